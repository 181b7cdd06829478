import { HubError } from '../contracts/index.ts'

/**
 * A yes/no setting of a skill's config: true or false, else its default when absent. A string
 * ("no", "false", "yes") is refused rather than read by truthiness, which turned "no" into yes.
 */
export function booleanSetting(value: unknown, fallback: boolean, name: string): boolean {
  if (value === undefined || value === null) return fallback
  if (typeof value === 'boolean') return value
  throw new HubError('E_VALIDATION', `${name} must be true or false, got ${JSON.stringify(value)}`)
}
