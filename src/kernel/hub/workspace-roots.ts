import { mkdirSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { HubManifest } from '../../manifest/index.ts'

/**
 * Workspace roots with relative paths live in the data directory: they resolve against it and the
 * hub creates them, so a fresh hub has a folder its file tools may use (docs/decisions/1421).
 * `~` and absolute paths are the person's own folders and are never created.
 */
export function withDataDirRoots(manifest: HubManifest, dataDir: string): HubManifest {
  const roots = manifest.workspace?.roots
  if (roots === undefined || roots.every((root) => root.path.startsWith('~') || isAbsolute(root.path)))
    return manifest
  const resolved = roots.map((root) => {
    if (root.path.startsWith('~') || isAbsolute(root.path)) return root
    const path = resolve(dataDir, root.path)
    mkdirSync(path, { recursive: true, mode: 0o700 })
    return Object.freeze({ ...root, path })
  })
  return Object.freeze({
    ...manifest,
    workspace: Object.freeze({ ...manifest.workspace, roots: Object.freeze(resolved) }),
  }) as HubManifest
}
