import canonicalize from 'canonicalize'
import { codePointLength, sha256Hex, toWellFormed } from './digest.ts'
import type { Envelope } from './envelope.ts'
import { pointerJoin } from './issue-format.ts'
import { collectRedactionRules, type RedactionRule } from './redaction-rules.ts'
import { entryKey, type RegistryDocument } from './registry-types.ts'
import { mayHoldSecret, scrubSecrets, secretMarker } from './secret-detectors.ts'
import {
  isRandomByNatureKey,
  keyNameMatches,
  normalizeKeyNames,
  SECRET_KEY_NAMES,
} from './secret-key-names.ts'

export { codePointLength, sha256Hex }

/**
 * Seed 003's denied keys: dropped wherever they appear in a payload or in meta, matched whole
 * (case and separators ignored). Secrets are matched more widely by SECRET_KEY_NAMES.
 */
export const DEFAULT_DENIED_KEYS: readonly string[] = Object.freeze([
  'authorization',
  'token',
  'api_key',
  'secret',
  'prompt',
  'html',
  'snippet',
])
/** Strings longer than this (in characters) are cut in the persisted form. */
export const DEFAULT_MAX_STRING_CHARS = 4096
/** Lists longer than this are cut in the persisted form. */
export const DEFAULT_MAX_LIST_ITEMS = 256

export interface GuardrailOptions {
  deniedKeys?: readonly string[]
  /** Key names matched as a suffix (see SECRET_KEY_NAMES, the default). */
  secretKeyNames?: readonly string[]
  maxStringChars?: number
  maxListItems?: number
}

/**
 * What guardrails changed, as JSON pointers from the envelope root (`/payload/…`, `/meta/…`,
 * `/traceId`). `replaced` has one pointer per secret replaced by a marker inside a value (a
 * string holding two secrets is listed twice); the name is not a secret key name, so guarding a
 * persisted form again keeps the summary.
 */
export interface GuardrailSummary {
  dropped: string[]
  hashed: string[]
  capped: string[]
  replaced: string[]
}

/**
 * Envelope fields a producer fills with free strings: secrets in them are replaced by markers
 * (the generic high-entropy detector is off here, ids are random by nature).
 */
export const ENVELOPE_STRING_FIELDS = Object.freeze([
  'source',
  'traceId',
  'causationId',
  'sessionId',
  'tenant',
  'idempotencyKey',
] as const)
const ID_SCAN = Object.freeze({ highEntropy: false })
const FULL_SCAN = Object.freeze({ highEntropy: true })
/** The smallest maxLength among those fields in catalog/envelope.schema.json. */
const ENVELOPE_FIELD_MAX_CHARS = 200

const NO_RULES: readonly RedactionRule[] = Object.freeze([])
const NO_DIGESTS: string[] = []

export type Guardrails = (envelope: Envelope) => Envelope

// canonicalize refuses lone UTF-16 surrogates ("x\ud800y"); guardrails must never throw on a
// validated envelope, so such values are hashed with U+FFFD in their place.
function canonicalJson(value: unknown): string {
  try {
    return canonicalize(value) ?? 'null'
  } catch {
    return canonicalize(wellFormedDeep(value)) ?? 'null'
  }
}

function wellFormedDeep(value: unknown): unknown {
  if (typeof value === 'string') return toWellFormed(value)
  if (Array.isArray(value)) return value.map(wellFormedDeep)
  if (value === null || typeof value !== 'object') return value
  const result: Record<string, unknown> = {}
  for (const key in value as Record<string, unknown>) {
    if (Object.hasOwn(value, key))
      setOwn(result, toWellFormed(key), wellFormedDeep((value as Record<string, unknown>)[key]))
  }
  return result
}

function hashValue(value: unknown): { sha256: string; length: number } {
  const text = typeof value === 'string' ? value : canonicalJson(value)
  return { sha256: sha256Hex(text), length: codePointLength(text) }
}

/**
 * Builds the pure function from an envelope to its persisted and broadcast form: declared
 * x-redact rules first (drop, hash to <field>_sha256 + <field>_len, cap:n), then denied and
 * secret-named keys anywhere, secret values replaced by markers (payload, meta and the envelope's
 * string fields), then the general caps. The input is never mutated; nothing throws.
 */
export function createGuardrails(registry: RegistryDocument, options: GuardrailOptions = {}): Guardrails {
  const settings = Object.freeze({
    deniedKeys: DEFAULT_DENIED_KEYS,
    secretKeyNames: SECRET_KEY_NAMES,
    maxStringChars: DEFAULT_MAX_STRING_CHARS,
    maxListItems: DEFAULT_MAX_LIST_ITEMS,
    ...options,
  })
  const keyNames = indexKeyNames(
    normalizeKeyNames(settings.deniedKeys),
    normalizeKeyNames(settings.secretKeyNames),
  )
  // type -> version -> rules; two lookups avoid building a key string per event.
  const rulesByEntry = new Map<string, Map<number, readonly RedactionRule[]>>()
  for (const entry of registry.entries) {
    const versions = rulesByEntry.get(entry.type) ?? new Map<number, readonly RedactionRule[]>()
    versions.set(entry.version, collectRedactionRules(entry.schema, entryKey(entry.type, entry.version)))
    rulesByEntry.set(entry.type, versions)
  }

  // The last value of each envelope field found clean: a session's events repeat the same
  // sessionId, traceId, source and tenant, so most events skip the scan.
  const cleanFields: (string | undefined)[] = ENVELOPE_STRING_FIELDS.map(() => undefined)

  // One summary and one limits object for every call (guardrails run synchronously, one event at a
  // time): an event no rule touches allocates nothing here; a changed one gets its own copy.
  const summary: GuardrailSummary = { dropped: [], hashed: [], capped: [], replaced: [] }
  const limits: Limits = {
    keyNames,
    maxStringChars: settings.maxStringChars,
    maxListItems: settings.maxListItems,
    hashed: summary.hashed,
    digests: NO_DIGESTS,
  }
  const trailPayload: (string | number)[] = ['payload']
  const trailMeta: (string | number)[] = ['meta']

  return function applyGuardrails(envelope: Envelope): Envelope {
    // Setting an array's length is a runtime call even when it does not change: only when needed.
    if (summary.dropped.length !== 0) summary.dropped.length = 0
    if (summary.hashed.length !== 0) summary.hashed.length = 0
    if (summary.capped.length !== 0) summary.capped.length = 0
    if (summary.replaced.length !== 0) summary.replaced.length = 0
    // A throw mid-walk (never expected) must not leave keys behind for the next event's pointers.
    if (trailPayload.length !== 1) trailPayload.length = 1
    if (trailMeta.length !== 1) trailMeta.length = 1
    const rules = rulesByEntry.get(envelope.type)?.get(envelope.version) ?? NO_RULES
    let payload = envelope.payload as unknown
    const digests = rules.length === 0 ? NO_DIGESTS : []
    for (const rule of rules) payload = applyRule(payload, rule.path, 0, rule, '/payload', summary, digests)
    // Digests written by hash rules are never capped by the general string limit.
    limits.digests = digests
    payload = sanitize(payload, trailPayload, summary, limits)
    const meta = envelope.meta === undefined ? undefined : sanitize(envelope.meta, trailMeta, summary, limits)
    const fields = scrubEnvelopeFields(envelope, summary, cleanFields)
    const changed =
      summary.dropped.length + summary.hashed.length + summary.capped.length + summary.replaced.length > 0
    if (!changed) return envelope
    const kept: GuardrailSummary = {
      dropped: [...summary.dropped],
      hashed: [...summary.hashed],
      capped: [...summary.capped],
      replaced: [...summary.replaced],
    }
    const guarded = { ...(payload as Record<string, unknown>), _guardrails: kept }
    // One spread when no envelope field changed: V8's fast path for copying an object literal.
    const base = fields === undefined ? envelope : { ...envelope, ...fields }
    return meta === undefined
      ? { ...base, payload: guarded }
      : { ...base, payload: guarded, meta: meta as Record<string, unknown> }
  }
}

/**
 * Secrets in source, traceId, sessionId… are replaced in place by markers (deterministic, so
 * events of one session still share one sessionId). When the markers would make the field longer
 * than the envelope schema allows, the whole field becomes one marker.
 */
function scrubEnvelopeFields(
  envelope: Envelope,
  summary: GuardrailSummary,
  cleanFields: (string | undefined)[],
): Partial<Envelope> | undefined {
  let fields: Record<string, string> | undefined
  for (let index = 0; index < ENVELOPE_STRING_FIELDS.length; index++) {
    const field = ENVELOPE_STRING_FIELDS[index]!
    const value = envelope[field]
    // A traceId equal to the id is a UUID (the envelope schema's pattern): nothing to find in it.
    if (typeof value !== 'string' || value === cleanFields[index] || value === envelope.id) continue
    if (!mayHoldSecret(value, ID_SCAN)) {
      cleanFields[index] = value
      continue
    }
    const { text, findings } = scrubSecrets(value, ID_SCAN)
    if (findings.length === 0) continue
    fields ??= {}
    fields[field] = text.length <= ENVELOPE_FIELD_MAX_CHARS ? text : secretMarker(findings[0]!.kind, value)
    for (const _finding of findings) summary.replaced.push(`/${field}`)
  }
  return fields as Partial<Envelope> | undefined
}

// Plain assignment of a key such as `__proto__` (legal in parsed JSON) would change the prototype.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function applyRule(
  value: unknown,
  path: string[],
  index: number,
  rule: RedactionRule,
  pointer: string,
  summary: GuardrailSummary,
  digests: string[],
): unknown {
  const token = path[index]!
  const last = index === path.length - 1
  if (token === '*') {
    if (!Array.isArray(value)) return value
    return value.map((item, position) =>
      last ? item : applyRule(item, path, index + 1, rule, pointerJoin(pointer, position), summary, digests),
    )
  }
  if (!isPlainObject(value) || !Object.hasOwn(value, token)) return value
  const here = pointerJoin(pointer, token)
  if (!last) {
    return rebuild(value, token, [
      [token, applyRule(value[token], path, index + 1, rule, here, summary, digests)],
    ])
  }
  const action = rule.action
  if (action.kind === 'drop') {
    summary.dropped.push(here)
    return rebuild(value, token, [])
  }
  if (action.kind === 'hash') {
    const { sha256, length } = hashValue(value[token])
    summary.hashed.push(here)
    digests.push(sha256)
    return rebuild(value, token, [
      [`${token}_sha256`, sha256],
      [`${token}_len`, length],
    ])
  }
  let field = value[token] as string | unknown[]
  if ((typeof field === 'string' || Array.isArray(field)) && field.length > action.limit) {
    // Secrets are replaced before the cut, which could otherwise leave half a key behind.
    if (typeof field === 'string' && mayHoldSecret(field)) {
      const scrubbed = scrubSecrets(field)
      for (const _finding of scrubbed.findings) summary.replaced.push(here)
      field = scrubbed.text
    }
    summary.capped.push(here)
    return rebuild(value, token, [[token, field.slice(0, action.limit)]])
  }
  return value
}

// A fresh object with `key` replaced in place by `entries` (none: removed). Building anew rather than
// `delete` keeps V8's fast object shapes and the field order of the original.
function rebuild(
  record: Record<string, unknown>,
  key: string,
  entries: [string, unknown][],
): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue
    if (name === key) for (const [newName, newValue] of entries) setOwn(result, newName, newValue)
    else setOwn(result, name, record[name])
  }
  return result
}

/** Denied names (matched whole) and secret names (matched as a suffix), bucketed by last character. */
type KeyNameIndex = ({ name: string; exact: boolean }[] | undefined)[]

function indexKeyNames(denied: string[], secret: string[]): KeyNameIndex {
  const index: KeyNameIndex = []
  const add = (name: string, exact: boolean) => {
    const last = name.charCodeAt(name.length - 1)
    const bucket = index[last] ?? []
    bucket.push({ name, exact })
    index[last] = bucket
  }
  for (const name of denied) add(name, true)
  for (const name of secret) add(name, false)
  return index
}

function isDeniedKey(key: string, index: KeyNameIndex): boolean {
  let position = key.length - 1
  let code = 0
  for (; position >= 0; position--) {
    code = key.charCodeAt(position)
    if (code >= 65 && code <= 90) code += 32
    if ((code >= 48 && code <= 57) || (code >= 97 && code <= 122)) break
  }
  if (position < 0) return false
  const bucket = index[code]
  if (bucket === undefined) return false
  for (const { name, exact } of bucket) if (keyNameMatches(key, name, exact)) return true
  return false
}

interface Limits {
  keyNames: KeyNameIndex
  /** Digests written by hash rules: hex, never a secret, so not scanned. */
  digests: string[]
  maxStringChars: number
  maxListItems: number
  /** Pointers hashed by rules: their `_sha256` digests are exempt from the string cap. */
  hashed: string[]
}

/** Key names shorter than this cannot hold a secret shape worth looking for. */
const MIN_SECRET_KEY_CHARS = 16

// The nearest key above a value (array positions skipped), to tell ids and digests from secrets.
function nearestKey(trail: (string | number)[]): string {
  for (let index = trail.length - 1; index >= 0; index--) {
    const token = trail[index]
    if (typeof token === 'string') return token
  }
  return ''
}

function sanitizeString(
  value: string,
  trail: (string | number)[],
  summary: GuardrailSummary,
  limits: Limits,
): string {
  let text = value
  if (mayHoldSecret(text)) {
    const scrubbed = scrubSecrets(text, isRandomByNatureKey(nearestKey(trail)) ? ID_SCAN : FULL_SCAN)
    if (scrubbed.findings.length > 0) {
      const pointer = pointerJoin('', ...trail)
      for (const _finding of scrubbed.findings) summary.replaced.push(pointer)
      text = scrubbed.text
    }
  }
  if (text.length <= limits.maxStringChars) return text
  const pointer = pointerJoin('', ...trail)
  if (pointer.endsWith('_sha256') && limits.hashed.includes(pointer.slice(0, -'_sha256'.length))) return text
  summary.capped.push(pointer)
  return text.slice(0, limits.maxStringChars)
}

// `trail` holds the keys from the root; pointers are only built when something changes, so the
// common case (nothing to redact) allocates nothing.
function sanitize(
  value: unknown,
  trail: (string | number)[],
  summary: GuardrailSummary,
  limits: Limits,
): unknown {
  if (typeof value === 'string') return sanitizeString(value, trail, summary, limits)
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let items = value
    if (items.length > limits.maxListItems) {
      summary.capped.push(pointerJoin('', ...trail))
      items = items.slice(0, limits.maxListItems)
    }
    let result: unknown[] | undefined = items === value ? undefined : items
    for (let position = 0; position < items.length; position++) {
      const item = items[position]
      trail.push(position)
      const next = sanitize(item, trail, summary, limits)
      trail.pop()
      if (next !== item) {
        result ??= [...items]
        result[position] = next
      }
    }
    return result ?? value
  }
  let result: Record<string, unknown> | undefined
  const record = value as Record<string, unknown>
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue
    if (isDeniedKey(key, limits.keyNames)) {
      result = rebuild(result ?? record, key, [])
      summary.dropped.push(pointerJoin('', ...trail, key))
      continue
    }
    if (key.length >= MIN_SECRET_KEY_CHARS && mayHoldSecret(key)) {
      // A secret used as a key: the entry goes, and its pointer names the marker, not the key.
      const scrubbed = scrubSecrets(key)
      if (scrubbed.findings.length > 0) {
        result = rebuild(result ?? record, key, [])
        const pointer = pointerJoin('', ...trail, scrubbed.text)
        for (const _finding of scrubbed.findings) summary.replaced.push(pointer)
        continue
      }
    }
    const child = record[key]
    if (typeof child === 'string' && limits.digests.length > 0 && limits.digests.includes(child)) continue
    if (
      typeof child !== 'object' &&
      (typeof child !== 'string' || (child.length <= limits.maxStringChars && !mayHoldSecret(child)))
    )
      continue
    trail.push(key)
    const next = sanitize(child, trail, summary, limits)
    trail.pop()
    if (next !== child) {
      result ??= { ...record }
      setOwn(result, key, next)
    }
  }
  return result ?? value
}
