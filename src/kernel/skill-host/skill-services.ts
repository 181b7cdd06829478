import { HubError } from '../../contracts/index.ts'
import type { SkillServices } from '../../skill-api/index.ts'

/** One hub's service directory: a name is provided once; a second provider is a configuration error. */
export function createSkillServices(): SkillServices {
  const values = new Map<string, unknown>()
  return {
    provide(name, value) {
      if (values.has(name))
        throw new HubError(
          'E_VALIDATION',
          `service ${name} is already provided; two skills offer the same thing`,
        )
      values.set(name, value)
    },
    get: <T>(name: string) => values.get(name) as T | undefined,
  }
}
