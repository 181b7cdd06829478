import {
  type Contracts,
  DEFAULT_TENANT,
  ENVELOPE_FIELDS,
  type Envelope,
  type Guardrails,
  type MadeFields,
  type RegistryEntry,
  type ResultError,
} from '../contracts/index.ts'
import { dedupeKeysOf } from './dedupe-window.ts'
import { isoTime } from './iso-time.ts'
import type { AppendItem } from './transport-types.ts'
import { uuidV7 } from './uuid-v7.ts'

// Same answer as Object.hasOwn; inside for…in V8 checks it against the loop's key cache instead
// of calling out per key (decision 1762).
const isOwnKey = Object.prototype.hasOwnProperty

/**
 * One prepared event, and the item the transport appends (decision 1761): one object per event
 * instead of a result wrapper, the event and an append item. Its dedupe keys are made when first
 * read — a transport that finds no idempotency key on the envelope and needs no `id:` key (the
 * memory log) never makes them.
 */
export class PreparedEvent implements AppendItem {
  // Assigned in the constructor, not declared as class fields: V8 defines class fields one by one
  // (a define per field), which measured slower on this path than plain assignments.
  declare readonly ok: true
  declare readonly entry: RegistryEntry
  /** As published (validated, ids filled in): what a trusted in-process handler receives. */
  declare readonly full: Envelope
  /** After guardrails: what is stored and broadcast. */
  declare readonly envelope: Envelope
  /** Unix ms of ts when the bus set ts itself (so nobody parses it again). */
  declare readonly timeMs: number | undefined
  /** The bus made the id (the draft had none). */
  declare readonly generatedId: boolean
  /**
   * The publisher handed the draft over (PublishOptions.handOver) and no trusted handler takes
   * the type: after the append the stored envelope may go to one consumer as it is (decision 1772).
   */
  declare handedOver: boolean
  declare private keys: string[] | undefined

  constructor(
    entry: RegistryEntry,
    full: Envelope,
    envelope: Envelope,
    timeMs: number | undefined,
    generatedId: boolean,
  ) {
    this.ok = true
    this.entry = entry
    this.full = full
    this.envelope = envelope
    this.timeMs = timeMs
    this.generatedId = generatedId
    this.keys = undefined
    this.handedOver = false
  }

  /**
   * Keys come from the guarded form: an idempotency key holding a secret is stored as its marker
   * (the same marker for the same secret, so deduplication still holds).
   */
  get dedupeKeys(): string[] {
    this.keys ??= dedupeKeysOf(this.envelope)
    return this.keys
  }
}

export type Prepared = PreparedEvent | { ok: false; error: ResultError }

export interface PrepareSettings {
  contracts: Contracts
  guardrails: Guardrails
  defaultSource: string
  /** The last catalog lookup (see entryOf); kept here by prepareEnvelope. */
  lastLookup?: CatalogLookup
}

interface CatalogLookup {
  readonly type: string
  readonly version: number | undefined
  readonly entry: RegistryEntry | undefined
}

/**
 * The catalog entry for type@version, remembered for the next draft: a batch usually repeats one
 * type, and a lookup is up to three map reads (decision 1763). A Contracts' catalog never
 * changes, so the remembered answer stays right.
 */
function entryOf(
  settings: PrepareSettings,
  type: string,
  version: number | undefined,
): RegistryEntry | undefined {
  const last = settings.lastLookup
  if (last !== undefined && last.type === type && last.version === version) return last.entry
  const entry = settings.contracts.entry(type, version)
  settings.lastLookup = { type, version, entry }
  return entry
}

/** The envelope's fields, and seq and sessionSeq (the log's: ignored when a producer gives them). */
const ENVELOPE_KEYS: ReadonlySet<string> = new Set<string>(ENVELOPE_FIELDS)

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function derivedKey(entry: RegistryEntry | undefined, payload: unknown): string | undefined {
  const field = entry?.semantics.idempotencyKey
  if (field === undefined || !isPlainObject(payload) || !Object.hasOwn(payload, field)) return undefined
  const value = payload[field]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
}

/**
 * Fills in what the producer left out (id, version, ts, source, severity, traceId, tenant, the
 * catalog-derived idempotency key), validates once, and applies guardrails once. seq and
 * sessionSeq belong to the log, so any given by the producer are ignored. `nowIso` is nowMs as
 * RFC 3339, formatted once per batch by the caller.
 */
export function prepareEnvelope(
  draft: unknown,
  nowMs: number,
  settings: PrepareSettings,
  nowIso?: string,
): Prepared {
  if (!isPlainObject(draft)) {
    const error = settings.contracts.validateEnvelope(draft)
    return error.ok ? { ok: false, error: { code: 'E_VALIDATION', message: 'not an envelope' } } : error
  }
  // An envelope this process's contracts vouched for (a turn's event, checked at its emit) and
  // still holding what was checked is not checked again (decision 2076); guardrails still run.
  let vouched = settings.contracts.takeVouched(draft)
  const type = draft.type
  const entry =
    typeof type === 'string'
      ? entryOf(settings, type, typeof draft.version === 'number' ? draft.version : undefined)
      : undefined
  const id = draft.id ?? uuidV7(nowMs)
  const version = draft.version ?? entry?.version ?? 1
  const ts = draft.ts ?? nowIso ?? isoTime(nowMs)
  const source = draft.source ?? settings.defaultSource
  const severity = draft.severity ?? 'info'
  const traceId = draft.traceId ?? id
  const tenant = draft.tenant ?? DEFAULT_TENANT
  const idempotencyKey = draft.idempotencyKey ?? derivedKey(entry, draft.payload)
  const payload = draft.payload
  // A key derived here from the payload was not part of what was vouched for.
  if (idempotencyKey !== draft.idempotencyKey) vouched = false
  // Built in ENVELOPE_FIELDS order so stored JSON has one canonical layout. Without the optional
  // fields, one literal: every field in the object itself, no second backing store kept per
  // event by the log (decision 1752).
  let candidate: Record<string, unknown>
  const { causationId, sessionId } = draft
  if (idempotencyKey === undefined && draft.meta === undefined) {
    // The usual shapes (a bare draft; a turn's event, with its session and its cause), each one
    // literal: a field added after the literal goes to a second backing store (decision 2077).
    candidate =
      sessionId === undefined
        ? causationId === undefined
          ? { id, type, version, ts, source, severity, traceId, tenant, payload }
          : { id, type, version, ts, source, severity, traceId, causationId, tenant, payload }
        : causationId === undefined
          ? { id, type, version, ts, source, severity, traceId, sessionId, tenant, payload }
          : { id, type, version, ts, source, severity, traceId, causationId, sessionId, tenant, payload }
  } else {
    candidate = { id, type, version, ts, source, severity, traceId }
    if (draft.causationId !== undefined) candidate.causationId = draft.causationId
    if (draft.sessionId !== undefined) candidate.sessionId = draft.sessionId
    candidate.tenant = tenant
    if (idempotencyKey !== undefined) candidate.idempotencyKey = idempotencyKey
    candidate.payload = payload
    if (draft.meta !== undefined) candidate.meta = draft.meta
  }
  // Unknown top-level fields are copied, so validation names them instead of silently losing them.
  // for…in and a set of the known names: no key array and no lookup in the candidate per event.
  for (const key in draft) {
    if (!ENVELOPE_KEYS.has(key) && isOwnKey.call(draft, key)) {
      vouched = false
      Object.defineProperty(candidate, key, {
        value: draft[key],
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }
  // An id and ts made just above need no pattern or date-time check; any given by the producer
  // (foreign input, or a forged one) is checked in full (decision 1741).
  const made: MadeFields | undefined =
    draft.id !== undefined || draft.ts !== undefined
      ? undefined
      : draft.traceId === undefined
        ? 'id-ts-and-trace'
        : 'id-and-ts'
  let full: Envelope
  if (vouched) full = candidate as unknown as Envelope
  else {
    const validated = settings.contracts.validateEnvelope(candidate, made)
    if (!validated.ok) return validated
    full = validated.value
  }
  const found = entry ?? settings.contracts.entry(full.type, full.version)!
  const persisted = settings.guardrails(full)
  return new PreparedEvent(
    found,
    full,
    persisted,
    draft.ts === undefined ? nowMs : undefined,
    draft.id === undefined,
  )
}
