import type { HubManifest, Skill } from '../../manifest/index.ts'

/** The enabled skills whose built-in module is `module` (a skill without transport is inproc by id). */
export function enabledSkillsOf(manifest: HubManifest, module: string): Skill[] {
  return manifest.skills.filter((skill) => {
    if (skill.enabled === false) return false
    if (skill.transport === undefined) return skill.id === `skill.${module}`
    return skill.transport.type === 'inproc' && skill.transport.module === module
  })
}
