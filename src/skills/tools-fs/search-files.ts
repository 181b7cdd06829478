import { closeSync, constants, type Dirent, fstatSync, openSync, readdirSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { looksBinary } from './file-identity.ts'
import type { FsToolsSettings } from './fs-tools-options.ts'
import { IgnoreScope, parseGitignore } from './gitignore.ts'
import { compileSearchRegex, escapeRegex } from './linear-regex.ts'
import type { ResolvedPath } from './path-guard.ts'

export const MAX_LINE_CHARS_SHOWN = 300
export const MAX_GITIGNORE_BYTES = 1024 * 1024
const YIELD_EVERY_MS = 20
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

export interface SearchArgs {
  query: string
  regex?: boolean
  caseSensitive?: boolean
  maxMatches?: number
}

export interface SearchMatch {
  /** Workspace-relative path. */
  path: string
  line: number
  /** 1-based, in UTF-16 code units of the line. */
  column: number
  text: string
}

export type TruncatedBy = 'matches' | 'bytes' | 'files' | 'time'

export interface SearchResult {
  matches: SearchMatch[]
  filesScanned: number
  filesMatched: number
  skipped: { binary: number; tooLarge: number; hardLinked: number; unreadable: number }
  truncated: boolean
  truncatedBy: TruncatedBy | null
}

type LineMatcher = (
  data: Buffer,
  emit: (offset: number, lineStart: number, lineEnd: number) => boolean,
) => void

function literalMatcher(query: string): LineMatcher {
  const needle = Buffer.from(query)
  return (data, emit) => {
    let from = 0
    for (;;) {
      const offset = data.indexOf(needle, from)
      if (offset === -1) return
      const lineStart = offset === 0 ? 0 : data.lastIndexOf(10, offset - 1) + 1
      let lineEnd = data.indexOf(10, offset + needle.length)
      if (lineEnd === -1) lineEnd = data.length
      if (!emit(offset, lineStart, lineEnd)) return
      from = lineEnd + 1 // one result per line, like grep
    }
  }
}

function regexMatcher(regex: RegExp): LineMatcher {
  return (data, emit) => {
    const text = data.toString('latin1') // byte offsets = string offsets; matching stays on bytes
    regex.lastIndex = 0
    for (;;) {
      const match = regex.exec(text)
      if (match === null) return
      const lineStart = match.index === 0 ? 0 : text.lastIndexOf('\n', match.index - 1) + 1
      let lineEnd = text.indexOf('\n', match.index + Math.max(1, match[0].length))
      if (lineEnd === -1) lineEnd = text.length
      if (!emit(match.index, lineStart, lineEnd)) return
      regex.lastIndex = lineEnd + 1
    }
  }
}

/** Non-ASCII queries with a latin1 view need a byte-level pattern; UTF-8 text is matched as bytes. */
function buildMatcher(args: SearchArgs): LineMatcher {
  const caseSensitive = args.caseSensitive ?? true
  if (args.regex !== true && caseSensitive) return literalMatcher(args.query)
  const utf8AsLatin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1')
  if (args.regex !== true) {
    return regexMatcher(new RegExp(escapeRegex(utf8AsLatin1(args.query)), 'gi'))
  }
  // User regexes run on the decoded text's bytes; non-ASCII literals in them still match their UTF-8.
  return regexMatcher(compileSearchRegex(utf8AsLatin1(args.query), caseSensitive))
}

function readGitignore(dir: string): ReturnType<typeof parseGitignore> {
  let fd: number
  try {
    fd = openSync(join(dir, '.gitignore'), OPEN_FLAGS)
  } catch {
    return []
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile() || stat.size > MAX_GITIGNORE_BYTES) return []
    const data = Buffer.alloc(stat.size)
    readSync(fd, data, 0, stat.size, 0)
    return parseGitignore(data.toString('utf8'))
  } finally {
    closeSync(fd)
  }
}

function lineNumberAt(data: Buffer, offset: number, cache: { offset: number; line: number }): number {
  let line = cache.line
  for (let at = data.indexOf(10, cache.offset); at !== -1 && at < offset; at = data.indexOf(10, at + 1))
    line++
  cache.offset = offset
  cache.line = line
  return line
}

/**
 * Walks the tree under `start` (a file or directory), honouring every .gitignore from the workspace
 * root down, skipping .git, symlinks, binaries, hard-linked and oversized files, and stopping at the
 * first limit reached (matches, output bytes, files, time), which it reports.
 */
export async function searchInFiles(
  settings: FsToolsSettings,
  start: ResolvedPath,
  args: SearchArgs,
): Promise<SearchResult> {
  if (typeof args.query !== 'string' || args.query.length === 0)
    throw new HubError('E_VALIDATION', 'query must be a non-empty string')
  if (start.stat === undefined) throw new HubError('E_VALIDATION', `${start.display} does not exist`)
  const matcher = buildMatcher(args)
  const maxMatches = Math.min(args.maxMatches ?? settings.maxSearchMatches, settings.maxSearchMatches)
  const result: SearchResult = {
    matches: [],
    filesScanned: 0,
    filesMatched: 0,
    skipped: { binary: 0, tooLarge: 0, hardLinked: 0, unreadable: 0 },
    truncated: false,
    truncatedBy: null,
  }
  const began = settings.clock.now()
  let lastYield = Date.now()
  let outputBytes = 0
  const stop = (reason: TruncatedBy): void => {
    result.truncated = true
    result.truncatedBy = reason
  }

  // Rules of the directories between the workspace root and the start apply too.
  let scope = IgnoreScope.root()
  const startParts = start.display === '.' ? [] : start.display.split('/')
  const isDirectory = start.stat?.isDirectory() === true
  for (let depth = 0; depth < startParts.length + (isDirectory ? 0 : -1) + 1; depth++) {
    const relative = startParts.slice(0, depth).join('/')
    scope = scope.child(relative, readGitignore(join(start.root.real, relative)))
  }

  const searchFile = (real: string, display: string): void => {
    let fd: number
    try {
      fd = openSync(real, OPEN_FLAGS)
    } catch {
      result.skipped.unreadable++
      return
    }
    let data: Buffer
    try {
      const stat = fstatSync(fd)
      if (!stat.isFile()) return
      if (stat.nlink > 1) {
        result.skipped.hardLinked++
        return
      }
      if (stat.size > settings.maxSearchedFileBytes) {
        result.skipped.tooLarge++
        return
      }
      data = Buffer.allocUnsafe(stat.size)
      let done = 0
      while (done < stat.size) {
        const read = readSync(fd, data, done, stat.size - done, done)
        if (read === 0) break
        done += read
      }
      data = data.subarray(0, done)
    } finally {
      closeSync(fd)
    }
    result.filesScanned++
    if (looksBinary(data)) {
      result.skipped.binary++
      return
    }
    const cache = { offset: 0, line: 1 }
    let matched = false
    matcher(data, (offset, lineStart, lineEnd) => {
      const lineText = data.toString('utf8', lineStart, lineEnd).replace(/\r$/, '')
      const text =
        lineText.length > MAX_LINE_CHARS_SHOWN ? `${lineText.slice(0, MAX_LINE_CHARS_SHOWN)}…` : lineText
      const size = Buffer.byteLength(display) + Buffer.byteLength(text) + 24
      if (outputBytes + size > settings.maxSearchOutputBytes) {
        stop('bytes')
        return false
      }
      outputBytes += size
      const column = data.toString('utf8', lineStart, offset).length + 1
      result.matches.push({ path: display, line: lineNumberAt(data, offset, cache), column, text })
      matched = true
      if (result.matches.length >= maxMatches) {
        stop('matches')
        return false
      }
      return true
    })
    if (matched) result.filesMatched++
  }

  if (!isDirectory) {
    searchFile(start.real, start.display)
    return result
  }
  type Pending = { real: string; display: string; scope: IgnoreScope; loaded: boolean }
  const stack: Pending[] = [{ real: start.real, display: start.display, scope, loaded: true }]
  while (stack.length > 0 && !result.truncated) {
    const dir = stack.pop()!
    let entries: Dirent[]
    try {
      entries = readdirSync(dir.real, { withFileTypes: true })
    } catch {
      result.skipped.unreadable++
      continue
    }
    const relativeDir = dir.display === '.' ? '' : dir.display
    const here = dir.loaded ? dir.scope : dir.scope.child(relativeDir, readGitignore(dir.real))
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const subdirectories: Pending[] = []
    for (const entry of entries) {
      if (result.truncated) break
      const display = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`
      if (entry.isDirectory()) {
        if (entry.name === '.git' || here.ignores(display, true)) continue
        subdirectories.push({ real: join(dir.real, entry.name), display, scope: here, loaded: false })
      } else if (entry.isFile()) {
        if (here.ignores(display, false)) continue
        if (result.filesScanned >= settings.maxSearchFiles) {
          stop('files')
          break
        }
        searchFile(join(dir.real, entry.name), display)
        if (settings.clock.now() - began > settings.searchTimeBudgetMs) stop('time')
        if (Date.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise((resolve) => setImmediate(resolve))
          lastYield = Date.now()
        }
      }
    }
    for (let index = subdirectories.length - 1; index >= 0; index--) stack.push(subdirectories[index]!)
  }
  return result
}
