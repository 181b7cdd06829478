import type { PermissionTable } from '../../bus/index.ts'
import type { HubManifest } from '../../manifest/index.ts'

/** Types every skill may publish besides its `provides`: reporting its own failure. */
export const ALWAYS_PUBLISHABLE = Object.freeze(['error.raised'])

/**
 * Bus rights of the manifest's skills, one principal per skill id: it publishes what it provides
 * and subscribes to what it consumes, nothing else.
 */
export function skillPermissions(manifest: HubManifest): PermissionTable {
  const table: Record<string, { publish: string[]; subscribe: string[] }> = {}
  for (const skill of manifest.skills) {
    table[skill.id] = {
      publish: [...new Set([...skill.provides, ...ALWAYS_PUBLISHABLE])],
      subscribe: [...skill.consumes],
    }
  }
  return table
}
