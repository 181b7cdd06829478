import { dirname, relative, sep } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { lstatIdentity } from './file-identity.ts'
import { combinedHash, fingerprintOf } from './fingerprint.ts'
import type { FsToolsSettings } from './fs-tools-options.ts'
import { isRoot, type ResolvedPath, requireWritable, resolveWorkspacePath } from './path-guard.ts'
import type { Operation, PlannedFile, PreparedPlan } from './plan-types.ts'
import { type ListedEntry, listTree } from './tree-listing.ts'

function existingTarget(settings: FsToolsSettings, path: unknown, role: string): ResolvedPath {
  const resolved = requireWritable(resolveWorkspacePath(settings.roots, path), role)
  if (resolved.stat === undefined)
    throw new HubError('E_VALIDATION', `${role} ${resolved.display} does not exist`)
  if (isRoot(resolved)) {
    throw new HubError('E_PERMISSION_REQUIRED', `${resolved.display} is a workspace root`, {
      details: { reason: 'workspace-root' },
    })
  }
  return resolved
}

function treePreview(
  settings: FsToolsSettings,
  entries: ListedEntry[],
  bytes: number,
): PreparedPlan['plan']['tree'] {
  const listed = entries
    .slice(0, settings.maxPreviewEntries)
    .map(({ path, type, size, hash }) => ({ path, type, size, hash }))
  return { count: entries.length, bytes, listed, truncated: entries.length > listed.length }
}

function finish(
  tool: 'delete_path' | 'move_path',
  args: Record<string, unknown>,
  summary: string,
  files: PlannedFile[],
  operation: Operation,
  tree: PreparedPlan['plan']['tree'],
  parents: string[],
  now: number,
): PreparedPlan {
  const partial = {
    tool,
    tier: 'destructive_two_step' as const,
    args,
    summary,
    diff: '',
    files,
    tree,
    beforeHash: combinedHash(
      files
        .filter((file) => file.action !== 'create')
        .map((file) => ({ path: file.path, hash: file.beforeHash })),
    ),
    afterHash: null,
  }
  const fingerprint = fingerprintOf(
    partial,
    [operation],
    parents.map((parent) => lstatIdentity(parent) ?? null),
  )
  return {
    plan: { ...partial, createdAt: new Date(now).toISOString(), fingerprint },
    operations: [operation],
  }
}

function listingOf(entries: ListedEntry[]) {
  return entries.map((entry) => ({ path: entry.relative, identity: entry.identity, hash: entry.hash }))
}

export function planDeletePath(
  settings: FsToolsSettings,
  args: { path: string; recursive?: boolean },
): PreparedPlan {
  const resolved = existingTarget(settings, args.path, 'path')
  const { entries, bytes } = listTree(resolved.real, resolved.display, {
    maxEntries: settings.maxTreeEntries,
    maxHashBytes: settings.maxTreeHashBytes,
    hash: true,
  })
  const top = entries[0]!
  if (top.type === 'directory' && entries.length > 1 && args.recursive !== true) {
    throw new HubError(
      'E_VALIDATION',
      `${resolved.display} is a directory with ${entries.length - 1} entries; pass recursive: true`,
    )
  }
  const files: PlannedFile[] = [
    {
      path: resolved.display,
      realPath: resolved.real,
      action: 'delete',
      beforeHash: top.hash,
      afterHash: null,
      identity: top.identity,
    },
  ]
  const operation: Operation = {
    kind: 'delete-tree',
    real: resolved.real,
    display: resolved.display,
    to: '',
    expected: top.identity,
    listing: listingOf(entries),
  }
  const what =
    top.type === 'directory'
      ? `directory ${resolved.display} (${entries.length - 1} entries inside)`
      : resolved.display
  return finish(
    'delete_path',
    { path: args.path, recursive: args.recursive === true },
    `delete ${what}`,
    files,
    operation,
    top.type === 'directory' ? treePreview(settings, entries, bytes) : null,
    [dirname(resolved.real)],
    settings.clock.now(),
  )
}

export function planMovePath(settings: FsToolsSettings, args: { from: string; to: string }): PreparedPlan {
  const from = existingTarget(settings, args.from, 'source')
  const to = requireWritable(resolveWorkspacePath(settings.roots, args.to), 'destination')
  if (to.stat !== undefined)
    throw new HubError('E_VALIDATION', `destination ${to.display} already exists; move never overwrites`)
  if (to.missingDirs.length > 0)
    throw new HubError('E_VALIDATION', `the folder for ${to.display} does not exist`)
  const inner = relative(from.real, to.real)
  if (inner === '' || (!inner.startsWith(`..${sep}`) && inner !== '..' && !inner.startsWith('/'))) {
    throw new HubError('E_VALIDATION', `cannot move ${from.display} into itself (${to.display})`)
  }
  const { entries, bytes } = listTree(from.real, from.display, {
    maxEntries: settings.maxTreeEntries,
    maxHashBytes: settings.maxTreeHashBytes,
    hash: true,
  })
  const top = entries[0]!
  const files: PlannedFile[] = [
    {
      path: from.display,
      realPath: from.real,
      action: 'delete',
      beforeHash: top.hash,
      afterHash: null,
      identity: top.identity,
    },
    {
      path: to.display,
      realPath: to.real,
      action: 'create',
      beforeHash: null,
      afterHash: top.hash,
      identity: null,
    },
  ]
  files[0]!.action = 'move'
  const operation: Operation = {
    kind: 'move',
    real: from.real,
    display: from.display,
    to: to.real,
    expected: top.identity,
    listing: listingOf(entries),
  }
  return finish(
    'move_path',
    { from: args.from, to: args.to },
    `move ${from.display} to ${to.display}`,
    files,
    operation,
    top.type === 'directory' ? treePreview(settings, entries, bytes) : null,
    [dirname(from.real), dirname(to.real)],
    settings.clock.now(),
  )
}
