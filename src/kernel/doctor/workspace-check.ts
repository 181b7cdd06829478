import { statSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, resolve } from 'node:path'
import type { HubManifest } from '../../manifest/index.ts'
import type { DoctorCheck } from './doctor-types.ts'
import { enabledSkillsOf } from './skills-of.ts'

type Environment = Readonly<Record<string, string | undefined>>

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/**
 * The workspace roots: `~` and absolute roots are the person's folders and must exist; relative
 * ones live in the data directory and the hub creates them (decision 1421). Missing roots only
 * fail when the file tools are enabled and none is left for them.
 */
export function checkWorkspaceRoots(manifest: HubManifest, env: Environment): DoctorCheck[] {
  const roots = manifest.workspace?.roots ?? []
  const toolsEnabled = enabledSkillsOf(manifest, 'tools-fs').length > 0
  if (roots.length === 0) {
    return [
      {
        id: 'workspace',
        status: toolsEnabled ? 'warn' : 'info',
        summary: 'no workspace roots: the file tools have no folder to work in',
        ...(toolsEnabled ? { fix: 'add a folder under workspace.roots in the manifest' } : {}),
      },
    ]
  }
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir()
  const expand = (path: string) =>
    path === '~' ? home : path.startsWith('~/') ? resolve(home, path.slice(2)) : path
  const missing: DoctorCheck[] = []
  let present = 0
  for (const root of roots) {
    if (!root.path.startsWith('~') && !isAbsolute(root.path)) {
      present += 1
      continue
    }
    const path = expand(root.path)
    if (isFolder(path)) present += 1
    else
      missing.push({
        id: 'workspace',
        status: 'warn',
        summary: `workspace root ${root.name} (${path}) does not exist; the file tools skip it`,
        fix: `create it (\`mkdir -p ${path}\`) or remove it from workspace.roots`,
      })
  }
  if (present === 0 && toolsEnabled) {
    return missing.map((check) => ({ ...check, status: 'fail' as const }))
  }
  return [
    ...(present > 0
      ? [
          {
            id: 'workspace',
            status: 'ok' as const,
            summary: `${present} of ${roots.length} workspace roots present (relative ones live in the data dir)`,
          },
        ]
      : []),
    ...missing,
  ]
}
