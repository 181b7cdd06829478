import { dirname } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { type FileIdentity, lstatIdentity, readVettedFile, sha256Hex } from './file-identity.ts'
import { combinedHash, fingerprintOf } from './fingerprint.ts'
import type { FsToolsSettings } from './fs-tools-options.ts'
import { unifiedDiff } from './line-diff.ts'
import { applyHunks } from './patch-apply.ts'
import { parsePatch } from './patch-parse.ts'
import { type ResolvedPath, requireWritable, resolveWorkspacePath } from './path-guard.ts'
import type { Operation, PlannedFile, PreparedPlan } from './plan-types.ts'

export const DEFAULT_NEW_FILE_MODE = 0o644

interface Change {
  resolved: ResolvedPath
  /** null = delete the file */
  after: Buffer | null
  before: { data: Buffer; identity: FileIdentity } | null
}

/** Current content of a target, or null when it does not exist; refuses anything but a plain file. */
export function readTarget(settings: FsToolsSettings, resolved: ResolvedPath): Change['before'] {
  if (resolved.stat === undefined) return null
  if (!resolved.stat.isFile()) {
    throw new HubError('E_PERMISSION_REQUIRED', `${resolved.display} is not a regular file`, {
      details: { reason: 'not-regular' },
    })
  }
  const read = readVettedFile(resolved.real, { maxBytes: settings.maxWriteBytes, hardLinks: 'refuse' })
  if (read.truncated)
    throw new HubError(
      'E_RESOURCE_LIMIT',
      `${resolved.display} is larger than ${settings.maxWriteBytes} bytes`,
    )
  return { data: read.data, identity: read.identity }
}

function existingParent(resolved: ResolvedPath): string {
  return resolved.missingDirs.length > 0 ? dirname(resolved.missingDirs[0]!) : dirname(resolved.real)
}

function build(
  tool: 'write_file' | 'apply_patch',
  args: Record<string, unknown>,
  changes: Change[],
  now: number,
): PreparedPlan {
  const files: PlannedFile[] = []
  const operations: Operation[] = []
  const diffs: string[] = []
  for (const change of changes) {
    const { resolved, before, after } = change
    const beforeHash = before === null ? null : sha256Hex(before.data)
    const afterHash = after === null ? null : sha256Hex(after)
    files.push({
      path: resolved.display,
      realPath: resolved.real,
      action: before === null ? 'create' : after === null ? 'delete' : 'modify',
      beforeHash,
      afterHash,
      identity: before?.identity ?? null,
    })
    diffs.push(
      unifiedDiff(resolved.display, before?.data.toString('utf8') ?? null, after?.toString('utf8') ?? null),
    )
    if (after === null) {
      operations.push({
        kind: 'remove-file',
        real: resolved.real,
        display: resolved.display,
        expected: before!.identity,
      })
    } else {
      operations.push({
        kind: 'write',
        real: resolved.real,
        display: resolved.display,
        content: after,
        mode: before === null ? DEFAULT_NEW_FILE_MODE : before.identity.mode & 0o7777,
        expected: before?.identity ?? null,
        missingDirs: resolved.missingDirs,
      })
    }
  }
  const parents = changes.map((change) => lstatIdentity(existingParent(change.resolved)) ?? null)
  const summary =
    files.length === 1
      ? `${files[0]!.action} ${files[0]!.path}`
      : `${tool}: ${files.map((file) => `${file.action} ${file.path}`).join(', ')}`
  const partial = {
    tool,
    tier: 'write_local_confirm' as const,
    args,
    summary,
    diff: diffs.join(''),
    files,
    tree: null,
    beforeHash: combinedHash(files.map((file) => ({ path: file.path, hash: file.beforeHash }))),
    afterHash: combinedHash(files.map((file) => ({ path: file.path, hash: file.afterHash }))),
  }
  const fingerprint = fingerprintOf(partial, operations, parents)
  return { plan: { ...partial, createdAt: new Date(now).toISOString(), fingerprint }, operations }
}

export function planWriteFile(
  settings: FsToolsSettings,
  args: { path: string; content: string },
): PreparedPlan {
  const content = Buffer.from(args.content, 'utf8')
  if (content.length > settings.maxWriteBytes) {
    throw new HubError('E_RESOURCE_LIMIT', `content is larger than ${settings.maxWriteBytes} bytes`)
  }
  const resolved = requireWritable(resolveWorkspacePath(settings.roots, args.path))
  const before = readTarget(settings, resolved)
  return build(
    'write_file',
    { path: args.path, content: args.content },
    [{ resolved, before, after: content }],
    settings.clock.now(),
  )
}

export function planApplyPatch(settings: FsToolsSettings, args: { patch: string }): PreparedPlan {
  if (Buffer.byteLength(args.patch) > settings.maxPatchBytes) {
    throw new HubError('E_RESOURCE_LIMIT', `patch is larger than ${settings.maxPatchBytes} bytes`)
  }
  const changes: Change[] = []
  const seen = new Set<string>()
  for (const filePatch of parsePatch(args.patch)) {
    const path = (filePatch.newPath ?? filePatch.oldPath)!
    const resolved = requireWritable(resolveWorkspacePath(settings.roots, path))
    if (seen.has(resolved.real))
      throw new HubError('E_VALIDATION', `the patch changes ${resolved.display} twice`)
    seen.add(resolved.real)
    const before = readTarget(settings, resolved)
    if (filePatch.oldPath === null && before !== null) {
      throw new HubError('E_VALIDATION', `${resolved.display} already exists; the patch would create it`)
    }
    if (filePatch.oldPath !== null && before === null)
      throw new HubError('E_VALIDATION', `${resolved.display} does not exist`)
    if (before?.data.includes(0))
      throw new HubError('E_VALIDATION', `${resolved.display} is binary; patches are for text`)
    const beforeText = before?.data.toString('utf8') ?? ''
    if (before !== null && !Buffer.from(beforeText, 'utf8').equals(before.data)) {
      throw new HubError(
        'E_VALIDATION',
        `${resolved.display} is not valid UTF-8; patching it would change bytes outside the hunks`,
      )
    }
    const text = applyHunks(resolved.display, beforeText, filePatch.hunks)
    if (filePatch.newPath === null && text !== '') {
      throw new HubError(
        'E_VALIDATION',
        `${resolved.display}: the patch deletes the file but does not remove all of its lines`,
      )
    }
    const after = filePatch.newPath === null ? null : Buffer.from(text, 'utf8')
    if (after !== null && after.length > settings.maxWriteBytes) {
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `${resolved.display} would be larger than ${settings.maxWriteBytes} bytes`,
      )
    }
    changes.push({ resolved, before, after })
  }
  return build('apply_patch', { patch: args.patch }, changes, settings.clock.now())
}
