import type { Envelope } from './envelope.ts'
import { type GuardrailSummary, setOwn } from './guardrail-common.ts'
import { ENVELOPE_STRING_FIELDS, scrubEnvelopeFields } from './guardrail-envelope-fields.ts'
import { applyRule, PAYLOAD_POINTER, type PreparedRule, prepareRule } from './guardrail-rules.ts'
import { indexKeyNames, type Limits, sanitize } from './guardrail-sanitize.ts'
import { collectRedactionRules } from './redaction-rules.ts'
import { entryKey, type RegistryDocument } from './registry-types.ts'
import { normalizeKeyNames, SECRET_KEY_NAMES } from './secret-key-names.ts'

export { codePointLength, sha256Hex } from './digest.ts'
export type { GuardrailSummary }
export { ENVELOPE_STRING_FIELDS }

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

const NO_RULES: readonly PreparedRule[] = Object.freeze([])

/** Empties a list the guardrails reuse for every event, keeping its backing store for the next. */
function emptyKeepingStore(list: unknown[]): void {
  while (list.length !== 0) list.pop()
}

// Most changed events fill one list of four: the empty ones share one frozen list (nothing reads a
// summary to change it; frozen, a consumer that tried would fail instead of changing every event).
const EMPTY_LIST: string[] = Object.freeze([]) as unknown as string[]

function keptList(list: string[]): string[] {
  return list.length === 0 ? EMPTY_LIST : list.slice()
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

// The key's place is kept when the payload already has one (guarding a persisted form again),
// as the spread did.
function withSummary(payload: Record<string, unknown>, kept: GuardrailSummary): Record<string, unknown> {
  setOwn(payload, '_guardrails', kept)
  return payload
}
const NO_DIGESTS: string[] = []

export type Guardrails = (envelope: Envelope) => Envelope

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
  const rulesByEntry = new Map<string, Map<number, readonly PreparedRule[]>>()
  for (const entry of registry.entries) {
    const versions = rulesByEntry.get(entry.type) ?? new Map<number, readonly PreparedRule[]>()
    const rules = collectRedactionRules(entry.schema, entryKey(entry.type, entry.version))
    versions.set(entry.version, rules.map(prepareRule))
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
    keyVerdicts: new Map(),
    maxStringChars: settings.maxStringChars,
    maxListItems: settings.maxListItems,
    hashed: summary.hashed,
    digests: NO_DIGESTS,
  }
  let lastType: string | undefined
  let lastVersion: number | undefined
  let lastRules: readonly PreparedRule[] = NO_RULES
  const ruleDigests: string[] = []
  const trailPayload: (string | number)[] = ['payload']
  const trailMeta: (string | number)[] = ['meta']

  return function applyGuardrails(envelope: Envelope): Envelope {
    // Emptied by pop, not by setting the length to 0: that frees the backing store, and the next
    // changed event's first push allocated a new one (152 bytes) for each list (decision 2087).
    emptyKeepingStore(summary.dropped)
    emptyKeepingStore(summary.hashed)
    emptyKeepingStore(summary.capped)
    emptyKeepingStore(summary.replaced)
    // A throw mid-walk (never expected) must not leave keys behind for the next event's pointers.
    if (trailPayload.length !== 1) trailPayload.length = 1
    if (trailMeta.length !== 1) trailMeta.length = 1
    // The last type@version's rules are kept: a batch usually repeats one type (decision 1763).
    if (envelope.type !== lastType || envelope.version !== lastVersion) {
      lastType = envelope.type
      lastVersion = envelope.version
      lastRules = rulesByEntry.get(lastType)?.get(lastVersion) ?? NO_RULES
    }
    const rules = lastRules
    let payload = envelope.payload as unknown
    // One digests list for every call, emptied here (read only within this call, by sanitize).
    const digests = rules.length === 0 ? NO_DIGESTS : ruleDigests
    emptyKeepingStore(ruleDigests)
    for (const rule of rules)
      payload = applyRule(payload, rule.path, 0, rule, PAYLOAD_POINTER, summary, digests)
    // Digests written by hash rules are never capped by the general string limit.
    limits.digests = digests
    payload = sanitize(payload, trailPayload, summary, limits)
    const meta = envelope.meta === undefined ? undefined : sanitize(envelope.meta, trailMeta, summary, limits)
    const fields = scrubEnvelopeFields(envelope, summary, cleanFields)
    const changed =
      summary.dropped.length + summary.hashed.length + summary.capped.length + summary.replaced.length > 0
    if (!changed) return envelope
    const kept: GuardrailSummary = {
      dropped: keptList(summary.dropped),
      hashed: keptList(summary.hashed),
      capped: keptList(summary.capped),
      replaced: keptList(summary.replaced),
    }
    // A payload the guardrails rebuilt is theirs (no one else holds it): the summary joins it in
    // place instead of a second copy. The input's own payload is never written to.
    const guarded =
      payload !== envelope.payload && isPlainObject(payload)
        ? withSummary(payload, kept)
        : { ...(payload as Record<string, unknown>), _guardrails: kept }
    // One spread when no envelope field changed: V8's fast path for copying an object literal.
    const base = fields === undefined ? envelope : { ...envelope, ...fields }
    return meta === undefined
      ? { ...base, payload: guarded }
      : { ...base, payload: guarded, meta: meta as Record<string, unknown> }
  }
}
