import canonicalize from 'canonicalize'
import { codePointLength } from './digest.ts'
import { measureJson } from './measure.ts'
import { isRfc3339DateTime } from './rfc3339.ts'

// Same answer as Object.hasOwn, checked by V8 against for…in's own key cache (decision 1762).
const isOwnKey = Object.prototype.hasOwnProperty

/** Envelope fields the caller made itself (see Contracts.validateEnvelope). */
export type MadeFields = 'id-and-ts' | 'id-ts-and-trace'

/**
 * The envelope schema this hand-written check restates (catalog/envelope.schema.json without its
 * descriptions). When the catalog's schema differs from it, the check is not used and Ajv checks
 * every envelope: a change to the schema cannot silently diverge from this code (decision 1751).
 */
const RESTATED_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'version', 'ts', 'source', 'severity', 'traceId', 'tenant', 'payload'],
  properties: {
    id: {
      type: 'string',
      pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    },
    type: { type: 'string', minLength: 3, maxLength: 200, pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$' },
    version: { type: 'integer', minimum: 1 },
    ts: { type: 'string', format: 'date-time' },
    source: { type: 'string', minLength: 1, maxLength: 500 },
    severity: { type: 'string', enum: ['debug', 'info', 'warn', 'error'] },
    traceId: { type: 'string', minLength: 1, maxLength: 200 },
    causationId: { type: 'string', minLength: 1, maxLength: 200 },
    sessionId: { type: 'string', minLength: 1, maxLength: 200 },
    tenant: { type: 'string', minLength: 1, maxLength: 200 },
    idempotencyKey: { type: 'string', minLength: 1, maxLength: 500 },
    seq: { type: 'integer', minimum: 1 },
    sessionSeq: { type: 'integer', minimum: 1 },
    payload: { type: 'object' },
    meta: { type: 'object' },
  },
}

const IGNORED_KEYWORDS = new Set(['$id', '$schema', 'title', 'description'])

function withoutAnnotations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAnnotations)
  if (value === null || typeof value !== 'object') return value
  const result: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(value)) {
    if (!IGNORED_KEYWORDS.has(key)) result[key] = withoutAnnotations(child)
  }
  return result
}

/** Whether `schema` (an envelope schema) says exactly what the hand-written check checks. */
export function restatesEnvelopeSchema(schema: unknown): boolean {
  return canonicalize(withoutAnnotations(schema)) === canonicalize(RESTATED_SCHEMA)
}

/** A string of `min` to `max` code points (Ajv counts code points, as JSON Schema says). */
function lengthWithin(value: unknown, min: number, max: number): boolean {
  if (typeof value !== 'string') return false
  // Code points never outnumber UTF-16 units, and a pair is never fewer than one code point.
  if (value.length >= min && value.length <= max) return true
  if (value.length < min) return false
  const points = codePointLength(value)
  return points >= min && points <= max
}

function isLowerOrDigitOrUnderscore(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95
}

/** `^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$` and 3 to 200 characters, by hand (ASCII only). */
function isTypeName(value: unknown): boolean {
  if (typeof value !== 'string' || value.length < 3 || value.length > 200) return false
  let dots = 0
  let segmentStart = true
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index)
    if (segmentStart) {
      if (code < 97 || code > 122) return false
      segmentStart = false
    } else if (code === 46) {
      dots++
      segmentStart = true
    } else if (!isLowerOrDigitOrUnderscore(code)) return false
  }
  return dots > 0 && !segmentStart
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isSeverity(value: unknown): boolean {
  return value === 'info' || value === 'warn' || value === 'error' || value === 'debug'
}

function isEnvelopeField(key: string): boolean {
  switch (key) {
    case 'id':
    case 'type':
    case 'version':
    case 'ts':
    case 'source':
    case 'severity':
    case 'traceId':
    case 'causationId':
    case 'sessionId':
    case 'tenant':
    case 'idempotencyKey':
    case 'seq':
    case 'sessionSeq':
    case 'payload':
    case 'meta':
      return true
    default:
      return false
  }
}

/** Absent (undefined, as Ajv reads it) or a string of `min` to `max` code points. */
function optionalLength(value: unknown, min: number, max: number): boolean {
  return value === undefined || lengthWithin(value, min, max)
}

// The id pattern, compiled as Ajv compiles patterns (unicode flag); a hand-written loop was no faster.
const ID_PATTERN = new RegExp(RESTATED_SCHEMA.properties.id.pattern, 'u')

function isIdText(value: unknown): boolean {
  return typeof value === 'string' && ID_PATTERN.test(value)
}

/**
 * The field checks of assembledEnvelopeValid, without its walk over the keys. With `made`
 * undefined nothing was made by the caller: id, ts and traceId are checked as the full schema
 * checks them (pattern, date-time, length) — the check of envelopes from anyone (decision 1780).
 */
function fieldsValid(envelope: Record<string, unknown>, made: MadeFields | undefined): boolean {
  const traceId = envelope.traceId
  return (
    (made === undefined ? isIdText(envelope.id) : typeof envelope.id === 'string') &&
    isTypeName(envelope.type) &&
    isPositiveInteger(envelope.version) &&
    (made === undefined ? isRfc3339DateTime(envelope.ts as string) : typeof envelope.ts === 'string') &&
    lengthWithin(envelope.source, 1, 500) &&
    isSeverity(envelope.severity) &&
    (made === 'id-ts-and-trace' ? typeof traceId === 'string' : lengthWithin(traceId, 1, 200)) &&
    optionalLength(envelope.causationId, 1, 200) &&
    optionalLength(envelope.sessionId, 1, 200) &&
    lengthWithin(envelope.tenant, 1, 200) &&
    optionalLength(envelope.idempotencyKey, 1, 500) &&
    (envelope.seq === undefined || isPositiveInteger(envelope.seq)) &&
    (envelope.sessionSeq === undefined || isPositiveInteger(envelope.sessionSeq)) &&
    isObject(envelope.payload) &&
    (envelope.meta === undefined || isObject(envelope.meta))
  )
}

/**
 * True only when the envelope schema — with the fields in `made` relaxed to `type: string` as in
 * decision 1741, or unrelaxed when `made` is undefined — accepts `envelope`; false when it would
 * not. Reads each property as the compiled schema does (`envelope.x`, own or inherited) and walks
 * for…in for unknown keys like its additionalProperties. The validator calls it on every envelope
 * (decision 1780); on false, Ajv runs and reports the errors, so error data is unchanged. Every
 * field it reads is checked here as the schema checks it (assembled-envelope.test.ts requires the
 * same answer as Ajv on fuzzed envelopes).
 */
export function assembledEnvelopeValid(
  envelope: Record<string, unknown>,
  made: MadeFields | undefined,
): boolean {
  if (!fieldsValid(envelope, made)) return false
  for (const key in envelope) if (!isEnvelopeField(key)) return false
  return true
}

/**
 * assembledEnvelopeValid(envelope, made), and in the same walk over its keys whether
 * `measureJson(envelope, maxBytes, maxDepth)` stays within both limits (decision 1763): the
 * top-level keys and leaves are counted here exactly as measureJson counts them (own keys only),
 * payload and meta by measureJson itself one level down. Sizes only grow, so "never past a limit
 * while walking" is "the totals within the limits". False when either answer is no; the caller
 * then measures and checks in full, for the error data.
 */
export function assembledEnvelopeWithin(
  envelope: Record<string, unknown>,
  made: MadeFields | undefined,
  maxBytes: number,
  maxDepth: number,
): boolean {
  if (!fieldsValid(envelope, made)) return false
  let bytes = 2
  let depth = 1
  for (const key in envelope) {
    if (!isEnvelopeField(key)) return false
    if (!isOwnKey.call(envelope, key)) continue
    bytes += key.length + 4
    const child = envelope[key]
    if (child !== null && typeof child === 'object') {
      const inner = measureJson(child, maxBytes, maxDepth - 1)
      if (inner.exceeded !== undefined) return false
      bytes += inner.bytes
      if (inner.depth + 1 > depth) depth = inner.depth + 1
    } else {
      bytes += typeof child === 'string' ? child.length + 2 : 8
      if (depth < 2) depth = 2
    }
  }
  return bytes <= maxBytes && depth <= maxDepth
}
