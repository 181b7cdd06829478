import type { SkillModule } from './skill-module.ts'

/** Identity with a type check: `export default defineSkill({ name, open })`. */
export function defineSkill(module: SkillModule): SkillModule {
  return Object.freeze({ ...module })
}

/** Whether a loaded value has the shape of a skill module (user modules are checked at load). */
export function isSkillModule(value: unknown): value is SkillModule {
  if (value === null || typeof value !== 'object') return false
  const candidate = value as Partial<SkillModule>
  return typeof candidate.name === 'string' && typeof candidate.open === 'function'
}
