import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { looksBinary, readVettedFile, sha256Hex } from './file-identity.ts'
import type { FsToolsSettings } from './fs-tools-options.ts'
import { describeKind, resolveWorkspacePath } from './path-guard.ts'

export interface ReadFileResult {
  path: string
  /** UTF-8 text; absent for binary files. */
  content?: string
  binary: boolean
  offset: number
  bytes: number
  size: number
  truncated: boolean
  sha256: string
}

export interface ListDirEntry {
  name: string
  type: 'file' | 'directory' | 'symlink' | 'other'
  size: number
}

export interface ListDirResult {
  path: string
  entries: ListDirEntry[]
  total: number
  truncated: boolean
}

/** Cuts a UTF-8 buffer back to the last complete character, so a bounded read never ends in U+FFFD. */
function wholeCharacters(data: Buffer): Buffer {
  let end = data.length
  let back = 0
  while (back < 4 && end - back - 1 >= 0 && (data[end - back - 1]! & 0xc0) === 0x80) back++
  const lead = data[end - back - 1]
  if (lead === undefined || lead < 0xc0) return data
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2
  if (back + 1 < needed) end = end - back - 1
  return data.subarray(0, end)
}

export function readFileTool(
  settings: FsToolsSettings,
  args: { path: string; offset?: number; maxBytes?: number },
): ReadFileResult {
  const resolved = resolveWorkspacePath(settings.roots, args.path)
  if (resolved.stat === undefined) throw new HubError('E_VALIDATION', `${resolved.display} does not exist`)
  if (!resolved.stat.isFile()) {
    throw new HubError('E_PERMISSION_REQUIRED', `${resolved.display} is not a regular file`, {
      details: { reason: 'not-regular' },
    })
  }
  const maxBytes = Math.min(args.maxBytes ?? settings.maxReadBytes, settings.maxReadBytes)
  const offset = args.offset ?? 0
  const read = readVettedFile(resolved.real, { maxBytes, offset, hardLinks: 'refuse' })
  const binary = looksBinary(read.data)
  const data = binary || !read.truncated ? read.data : wholeCharacters(read.data)
  const result: ReadFileResult = {
    path: resolved.display,
    binary,
    offset: Math.min(offset, read.identity.size),
    bytes: data.length,
    size: read.identity.size,
    truncated: read.truncated || data.length < read.data.length,
    sha256: sha256Hex(data),
  }
  if (!binary) result.content = data.toString('utf8')
  return result
}

export function listDirTool(
  settings: FsToolsSettings,
  args: { path?: string; maxEntries?: number },
): ListDirResult {
  const resolved = resolveWorkspacePath(settings.roots, args.path ?? '.')
  if (resolved.stat === undefined) throw new HubError('E_VALIDATION', `${resolved.display} does not exist`)
  if (!resolved.stat.isDirectory())
    throw new HubError('E_VALIDATION', `${resolved.display} is not a directory`)
  const maxEntries = Math.min(args.maxEntries ?? settings.maxListEntries, settings.maxListEntries)
  const names = readdirSync(resolved.real).sort()
  const entries: ListDirEntry[] = []
  for (const name of names.slice(0, maxEntries)) {
    try {
      const stat = lstatSync(join(resolved.real, name))
      entries.push({ name, type: describeKind(stat), size: stat.size })
    } catch {
      // Removed between readdir and lstat: not listed.
    }
  }
  return { path: resolved.display, entries, total: names.length, truncated: names.length > maxEntries }
}
