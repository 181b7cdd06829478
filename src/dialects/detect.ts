import { isPlainObject } from './json-guard.ts'
import type { DialectName } from './types.ts'

export interface DetectedDialect {
  dialect: DialectName | 'unknown'
  /** Which keys decided it, for error messages and logs. */
  reason: string
}

const has = (object: Record<string, unknown>, key: string): boolean => Object.hasOwn(object, key)

/**
 * Tells the dialect from the object's shape alone. Each format has a key no other one uses, so
 * the order of the checks only matters for hybrids, which are reported as the first match.
 */
export function detectDialect(input: unknown): DetectedDialect {
  if (!isPlainObject(input)) return { dialect: 'unknown', reason: 'not a JSON object' }
  if (typeof input.specversion === 'string') {
    return { dialect: 'cloudevents', reason: 'has specversion (CloudEvents JSON format)' }
  }
  if (has(input, 'event_type') || (input.version === 'v1' && has(input, 'occurred_at'))) {
    return { dialect: 'pinchy', reason: 'has event_type / occurred_at with version "v1" (Pinchy v1)' }
  }
  if (has(input, 'event_name')) return { dialect: 'adaos', reason: 'has event_name (AdaOS)' }
  if (has(input, 'conversation_id') || (has(input, 'emitter') && has(input, 'stored'))) {
    return { dialect: 'denis', reason: 'has conversation_id / emitter and stored (Denis stored event)' }
  }
  if (typeof input.type === 'string' && has(input, 'payload')) {
    const camel = ['traceId', 'severity', 'tenant', 'ts'].filter((key) => has(input, key))
    if (camel.length > 0) return { dialect: 'canonical', reason: `has type, payload and ${camel.join(', ')}` }
  }
  const keys = Object.keys(input).slice(0, 8).join(', ')
  return {
    dialect: 'unknown',
    reason: `no dialect's marker keys (specversion, event_type, event_name, conversation_id, type+traceId); keys: ${keys || 'none'}`,
  }
}
