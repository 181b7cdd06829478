import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { defineSkill, SERVICE_NAMES } from '../../skill-api/index.ts'

function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : path
}

/**
 * The file tools as a skill. The tools themselves run behind the kernel's consent (approvals, the
 * ledger, POST /tools/:name); this module says whether they can act here: they need a workspace
 * root that exists, and the kernel's tool service.
 */
export const toolsFsSkillModule = defineSkill({
  name: 'tools-fs',
  configKeys: [],
  open(context) {
    const roots = context.manifest.workspace?.roots ?? []
    return {
      runtime: {
        status() {
          if (roots.length === 0)
            return { state: 'unavailable', reason: 'the manifest names no workspace roots' }
          const missing = roots.filter((root) => !existsSync(expandHome(root.path)))
          if (missing.length === roots.length) {
            return {
              state: 'unavailable',
              reason: `no workspace root exists (${missing.map((root) => root.path).join(', ')}); create it or change workspace.roots`,
            }
          }
          if (context.services.get(SERVICE_NAMES.tools) === undefined)
            return { state: 'unavailable', reason: 'this hub offers no tool service' }
          return { state: 'ready' }
        },
      },
    }
  },
})
