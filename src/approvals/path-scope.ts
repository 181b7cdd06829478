// Grants are matched by scope: the targets must lie inside the grant's folder. Both sides are resolved
// and normalised first, and containment is decided per path segment, so `docs/` never covers
// `docs-private/` and `docs/../secrets` is `secrets`.
import { realpathSync } from 'node:fs'
import { dirname, isAbsolute, parse, resolve, sep } from 'node:path'
import { HubError } from '../contracts/index.ts'
import { MAX_TARGET_CHARS } from './approval-options.ts'

function stripTrailingSeparators(path: string): string {
  const root = parse(path).root
  let result = path
  while (result.length > root.length && result.endsWith(sep)) result = result.slice(0, -1)
  return result
}

/**
 * The absolute folder a grant covers. Relative prefixes resolve against rootDir; an existing folder is
 * replaced by its real path, because file tools hand in real paths (a symlinked prefix would otherwise
 * never match, or match through a link).
 */
export function resolvePrefix(prefix: unknown, rootDir: string | undefined): string {
  if (typeof prefix !== 'string' || prefix.trim().length === 0 || prefix.length > MAX_TARGET_CHARS) {
    throw new HubError('E_BAD_REQUEST', 'scope.pathPrefix must name a folder')
  }
  if (prefix.includes('\u0000')) throw new HubError('E_BAD_REQUEST', 'scope.pathPrefix contains a NUL byte')
  if (!isAbsolute(prefix) && rootDir === undefined) {
    throw new HubError(
      'E_BAD_REQUEST',
      `scope.pathPrefix '${prefix}' is relative and the hub has no root folder`,
    )
  }
  const lexical = stripTrailingSeparators(rootDir === undefined ? resolve(prefix) : resolve(rootDir, prefix))
  if (parse(lexical).root === lexical) {
    throw new HubError('E_BAD_REQUEST', 'a grant cannot cover the whole file system; name a folder')
  }
  try {
    return stripTrailingSeparators(realpathSync.native(lexical))
  } catch {
    return lexical
  }
}

/** True when target is prefix itself or lies below it (segment-wise, after normalisation). */
export function isWithin(target: string, prefix: string): boolean {
  if (!isAbsolute(target) || target.includes('\u0000')) return false
  const normalised = stripTrailingSeparators(resolve(target))
  const folder = stripTrailingSeparators(resolve(prefix))
  return normalised === folder || normalised.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`)
}

/** True when folder is one of the roots or lies inside one (roots: absolute real paths). */
export function insideWorkspace(folder: string, roots: readonly string[]): boolean {
  return roots.some((root) => isWithin(folder, root))
}

/** The deepest folder holding every target (for "allow for this session" grants). */
export function commonFolder(targets: readonly string[]): string | undefined {
  if (targets.length === 0) return undefined
  let folder = dirname(stripTrailingSeparators(resolve(targets[0]!)))
  for (const target of targets) {
    while (!isWithin(target, folder)) {
      const parent = dirname(folder)
      if (parent === folder) return undefined
      folder = parent
    }
  }
  return parse(folder).root === folder ? undefined : folder
}
