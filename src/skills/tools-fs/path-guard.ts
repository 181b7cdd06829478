import { lstatSync, readdirSync, realpathSync, type Stats } from 'node:fs'
import { isAbsolute, join, relative, sep } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { NAME_MAX_BYTES, PATH_MAX_BYTES, type WorkspaceRoot } from './fs-tools-options.ts'

export interface ResolvedPath {
  input: string
  root: WorkspaceRoot
  /** Absolute real path (symlinks resolved); for a path that does not exist yet, its would-be real path. */
  real: string
  /** Path relative to the root, '/'-separated ('.' for the root itself): what tools show. */
  display: string
  /** lstat of `real`, undefined when it does not exist. */
  stat: Stats | undefined
  /** Directories (real paths, outermost first) that do not exist yet between the deepest existing one and `real`. */
  missingDirs: string[]
}

function refuse(message: string, details: Record<string, unknown> = {}): HubError {
  return new HubError('E_PERMISSION_REQUIRED', message, {
    details: { reason: 'outside-workspace', ...details },
  })
}

function invalid(message: string, input: string): HubError {
  return new HubError('E_VALIDATION', message, {
    details: { issues: [{ path: '/path', expected: 'a workspace path', got: input.slice(0, 80), message }] },
  })
}

function inside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ENOTDIR') throw new HubError('E_VALIDATION', `a parent of ${path} is not a directory`)
    throw new HubError('E_IO', `cannot inspect ${path}: ${(error as Error).message}`, { cause: error })
  }
}

/** Shape checks that need no file system: type, NUL bytes, lengths, `..`. */
export function checkPathText(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0)
    throw invalid('path must be a non-empty string', String(input))
  if (input.includes('\0')) throw invalid('path contains a NUL byte', input)
  if (Buffer.byteLength(input) > PATH_MAX_BYTES)
    throw invalid(`path is longer than ${PATH_MAX_BYTES} bytes`, input)
  const parts = input.split(/[\\/]/)
  for (const part of parts) {
    if (Buffer.byteLength(part) > NAME_MAX_BYTES)
      throw invalid(`a path component is longer than ${NAME_MAX_BYTES} bytes`, input)
    // `..` is refused rather than normalised: `link/..` means the link target's parent to the kernel.
    if (part === '..') throw refuse(`'..' is not allowed in workspace paths: ${input.slice(0, 200)}`)
  }
  return input
}

/**
 * A name that does not exist yet must be NFC and must not collide, by Unicode normalisation or case,
 * with a sibling spelled differently: such twins look identical in a preview but are other files
 * (or, on case-insensitive volumes, the same one).
 */
function checkNewName(name: string, existingParent: string | undefined): void {
  if (name.normalize('NFC') !== name) {
    throw refuse(`the new name '${name}' is not in Unicode NFC form`, { reason: 'unicode-normalisation' })
  }
  if (existingParent === undefined) return
  let siblings: string[]
  try {
    siblings = readdirSync(existingParent)
  } catch {
    return
  }
  const folded = name.normalize('NFKC').toLowerCase()
  const twin = siblings.find(
    (sibling) => sibling !== name && sibling.normalize('NFKC').toLowerCase() === folded,
  )
  if (twin !== undefined) {
    throw refuse(`the new name '${name}' is confusable with the existing '${twin}'`, {
      reason: 'confusable-name',
    })
  }
}

/**
 * Resolves a tool's path inside the workspace, one component at a time with lstat, so every symlink
 * on the way (intermediate or final) is followed explicitly and its real target checked against the
 * roots. Relative paths are taken from the first root.
 */
export function resolveWorkspacePath(roots: readonly WorkspaceRoot[], rawInput: unknown): ResolvedPath {
  const input = checkPathText(rawInput)
  const absolute = isAbsolute(input) ? input : join(roots[0]!.given, input)
  const match = roots
    .map((root) => ({
      root,
      base: inside(root.real, absolute) ? root.real : inside(root.given, absolute) ? root.given : undefined,
    }))
    .filter((candidate) => candidate.base !== undefined)
    .sort((a, b) => b.base!.length - a.base!.length)[0]
  if (match === undefined) throw refuse(`${input.slice(0, 200)} is outside the workspace roots`)
  const components = relative(match.base!, absolute)
    .split(sep)
    .filter((part) => part !== '' && part !== '.')

  let current = match.root.real
  let stat: Stats | undefined = lstatSync(current)
  for (let position = 0; position < components.length; position++) {
    const name = components[position]!
    if (stat !== undefined && !stat.isDirectory())
      throw new HubError('E_VALIDATION', `${current} is not a directory`)
    const next = join(current, name)
    stat = lstatOrUndefined(next)
    if (stat === undefined) {
      const missing = components.slice(position)
      let parent = current
      const missingDirs: string[] = []
      for (const [offset, part] of missing.entries()) {
        checkNewName(part, offset === 0 ? parent : undefined)
        parent = join(parent, part)
        if (offset < missing.length - 1) missingDirs.push(parent)
      }
      return finish(input, match.root, parent, undefined, missingDirs, roots)
    }
    if (stat.isSymbolicLink()) {
      let target: string
      try {
        target = realpathSync.native(next)
      } catch {
        throw refuse(`${input.slice(0, 200)} goes through a dangling or looping symlink (${next})`, {
          reason: 'symlink',
        })
      }
      if (!roots.some((root) => inside(root.real, target))) {
        throw refuse(`${input.slice(0, 200)} goes through a symlink to ${target}, outside the workspace`, {
          reason: 'symlink',
        })
      }
      current = target
      stat = lstatSync(target)
      continue
    }
    current = next
  }
  return finish(input, match.root, current, stat, [], roots)
}

function finish(
  input: string,
  start: WorkspaceRoot,
  real: string,
  stat: Stats | undefined,
  missingDirs: string[],
  roots: readonly WorkspaceRoot[],
): ResolvedPath {
  // A symlink may have carried us into another root; report the path against the root that holds it.
  const root = roots
    .filter((candidate) => inside(candidate.real, real))
    .sort((a, b) => b.real.length - a.real.length)[0]
  if (root === undefined) throw refuse(`${input.slice(0, 200)} resolves outside the workspace`)
  if (Buffer.byteLength(real) > PATH_MAX_BYTES)
    throw invalid(`resolved path is longer than ${PATH_MAX_BYTES} bytes`, input)
  const display = relative(root.real, real).split(sep).join('/') || '.'
  return { input, root: root ?? start, real, display, stat, missingDirs }
}

/** Regular files and directories only: devices, FIFOs and sockets are never read or written. */
export function describeKind(stat: Stats): 'file' | 'directory' | 'symlink' | 'other' {
  if (stat.isFile()) return 'file'
  if (stat.isDirectory()) return 'directory'
  if (stat.isSymbolicLink()) return 'symlink'
  return 'other'
}

/**
 * Refuses a change below a read-only root (manifest `access: read`). Called by every planner on
 * each target and source, so the refusal comes before a preview exists or an approval is asked.
 */
export function requireWritable(resolved: ResolvedPath, role = 'path'): ResolvedPath {
  if (!resolved.root.readOnly) return resolved
  throw new HubError(
    'E_PERMISSION_REQUIRED',
    `${role} ${resolved.display} is under the read-only workspace root ${resolved.root.given}; set access: read_write on that root in the manifest to allow changes`,
    { details: { reason: 'read-only-root', root: resolved.root.given } },
  )
}

export function isRoot(resolved: ResolvedPath): boolean {
  return resolved.real === resolved.root.real
}
