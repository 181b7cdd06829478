import { codePointLength, DEFAULT_TENANT, ENVELOPE_FIELDS, type Envelope } from '../contracts/index.ts'
import { reject } from './issues.ts'
import { compact, hasKeys, isPlainObject, without } from './json-guard.ts'

// Length limits of the canonical string fields (catalog/envelope.schema.json).
const STRING_LIMITS = {
  source: 500,
  traceId: 200,
  causationId: 200,
  sessionId: 200,
  tenant: 200,
  idempotencyKey: 500,
} as const

export type LimitedField = keyof typeof STRING_LIMITS

/** Whether a foreign string can become this canonical field as it is. */
export function fitsCanonical(field: LimitedField, value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && codePointLength(value) <= STRING_LIMITS[field]
}

/** Values a dialect fills in when the foreign event has nothing for a required canonical field. */
export const CANONICAL_DEFAULTS = Object.freeze({ version: 1, severity: 'info', tenant: DEFAULT_TENANT })

/**
 * Whether `field` goes back out into the foreign event: present, and not a default that
 * toCanonical filled in (a constant default only while it still has its default value).
 */
export function shouldEmit(
  envelope: Envelope,
  field: keyof Envelope,
  defaulted: ReadonlySet<string>,
): boolean {
  const value = envelope[field]
  if (value === undefined) return false
  if (!defaulted.has(field)) return true
  if (Object.hasOwn(CANONICAL_DEFAULTS, field)) {
    return value !== CANONICAL_DEFAULTS[field as keyof typeof CANONICAL_DEFAULTS]
  }
  return false
}

/** The envelope with its fields in canonical order and no undefined members. */
export function orderEnvelope(fields: Partial<Record<keyof Envelope, unknown>>): Envelope {
  return compact(ENVELOPE_FIELDS.map((name) => [name, fields[name]])) as unknown as Envelope
}

/** meta.<namespace> of an envelope, checked to be an object. */
export function ownMeta(envelope: Envelope, namespace: string): Record<string, unknown> {
  const own = envelope.meta?.[namespace]
  if (own === undefined) return {}
  if (!isPlainObject(own)) reject(`/meta/${namespace}`, 'an object', own)
  return own
}

/** The canonical `defaulted` list of meta.<namespace>, as a set. */
export function defaultedSet(own: Record<string, unknown>, namespace: string): Set<string> {
  const list = own.defaulted
  if (list === undefined) return new Set()
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    reject(`/meta/${namespace}/defaulted`, 'an array of canonical field names', list)
  }
  return new Set(list)
}

/**
 * The part of canonical `meta` a foreign carrier must hold: everything but meta.<namespace>, and
 * an empty object only when the envelope's meta was exactly `{}` (so presence survives).
 */
export function metaToCarry(
  meta: Record<string, unknown> | undefined,
  namespace: string,
): Record<string, unknown> | undefined {
  if (meta === undefined) return undefined
  const rest = without(meta, namespace)
  if (hasKeys(rest) || !Object.hasOwn(meta, namespace)) return rest
  return undefined
}

/** Canonical meta rebuilt from the carried part plus a freshly built meta.<namespace>. */
export function joinMeta(
  carried: Record<string, unknown> | undefined,
  namespace: string,
  own: Record<string, unknown>,
  carrierPath: string,
): Record<string, unknown> | undefined {
  if (carried !== undefined && Object.hasOwn(carried, namespace)) {
    reject(`${carrierPath}/meta/${namespace}`, `no meta.${namespace} inside the carrier`, carried[namespace])
  }
  if (!hasKeys(own)) return carried
  return { ...(carried ?? {}), [namespace]: own }
}

/** A string member of meta.<namespace>, checked. */
export function ownString(own: Record<string, unknown>, namespace: string, key: string): string | undefined {
  const value = own[key]
  if (value !== undefined && typeof value !== 'string') reject(`/meta/${namespace}/${key}`, 'a string', value)
  return value
}

/** An object member of meta.<namespace>, checked. */
export function ownObject(
  own: Record<string, unknown>,
  namespace: string,
  key: string,
): Record<string, unknown> | undefined {
  const value = own[key]
  if (value !== undefined && !isPlainObject(value)) reject(`/meta/${namespace}/${key}`, 'an object', value)
  return value
}
