import canonicalize from 'canonicalize'
import type { Envelope } from '../contracts/index.ts'
import { looksStored } from '../contracts/index.ts'
import {
  CANONICAL_DEFAULTS,
  joinMeta,
  orderEnvelope,
  ownMeta,
  ownObject,
  ownString,
} from './canonical-fields.ts'
import { derivedUuid } from './derived-id.ts'
import { invalid, reject } from './issues.ts'
import { compact } from './json-guard.ts'
import type { CodecContext, DialectCodec, JsonObject } from './types.ts'

const NAMESPACE = 'denis'
const CANONICAL_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/

/** Denis types that are not `namespace.name` and the catalog names they stand for. */
export const DENIS_TYPE_ALIASES: Readonly<Record<string, string>> = Object.freeze({ error: 'error.reported' })
const CANONICAL_TO_DENIS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(DENIS_TYPE_ALIASES).map(([denis, canonical]) => [canonical, denis])),
)

// Seed 003's channel rules, in order; `chat.*` beyond chat.message is the hub's addition.
const CHANNEL_RULES: readonly [RegExp, string][] = [
  [/^(chat|plan)\./, 'text'],
  [/^voice\./, 'voice'],
  [/^control_room\./, 'control_room'],
  [/^tool\./, 'tool'],
  [/^rag\./, 'rag'],
  [/^(scrape|scraping)\./, 'scrape'],
  [/^(compiler|retrieval)\./, 'compiler'],
  [/^(neuro|persona)\./, 'neuro'],
]
const DEFAULT_CHANNEL = 'ops'

/** The UI channel seed 003 derives from a Denis event type. */
export function denisChannelOf(type: string): string {
  for (const [pattern, channel] of CHANNEL_RULES) if (pattern.test(type)) return channel
  return DEFAULT_CHANNEL
}

function denisTypeOf(canonicalType: string): string {
  return Object.hasOwn(CANONICAL_TO_DENIS, canonicalType) ? CANONICAL_TO_DENIS[canonicalType]! : canonicalType
}

function canonicalTypeOf(denisType: string): string {
  if (Object.hasOwn(DENIS_TYPE_ALIASES, denisType)) return DENIS_TYPE_ALIASES[denisType]!
  if (CANONICAL_TYPE.test(denisType)) return denisType
  return reject('/type', `namespace.name, or one of ${Object.keys(DENIS_TYPE_ALIASES).join(', ')}`, denisType)
}

function toCanonical(input: JsonObject, context: CodecContext): Envelope {
  const issues = context.schemas.validate('denis', input)
  if (issues.length > 0) throw invalid('not a valid Denis stored event', issues)
  const denisType = input.type as string
  const type = canonicalTypeOf(denisType)
  const eventId = input.event_id as number
  const stash: JsonObject = {}
  if (denisTypeOf(type) !== denisType) stash.type = denisType
  if (input.channel !== denisChannelOf(denisType)) stash.channel = input.channel
  if (input.turn_id !== input.correlation_id) stash.turn_id = input.turn_id
  stash.trace_id = input.trace_id
  stash.ui = input.ui
  stash.schema_version = input.schema_version
  // Stored events are unique by conversation and event_id; ephemeral ones (event_id 0) by content.
  const name =
    input.stored === true ? `${String(input.conversation_id)}\n${eventId}` : (canonicalize(input) ?? '')
  stash.defaulted = ['id', 'version', 'severity', 'tenant']
  // Seed 003 persists and replays payloads in their redacted form (`content_sha256` + `content_len`
  // for `content`): checked against that form and marked, never re-inflated (decision 1321).
  const payloadSchema = context.schemas.payloadSchema(type, CANONICAL_DEFAULTS.version)
  if (payloadSchema !== undefined && looksStored(payloadSchema, input.payload)) {
    const problems = context.schemas.validateStoredPayload(type, CANONICAL_DEFAULTS.version, input.payload)
    if (problems.length > 0) {
      throw invalid(
        `the payload is not the stored form of ${type}`,
        problems.map((problem) => ({ ...problem, path: `/payload${problem.path}` })),
      )
    }
    stash.payload_form = 'stored'
  }
  return orderEnvelope({
    id: derivedUuid(NAMESPACE, name),
    type,
    version: CANONICAL_DEFAULTS.version,
    ts: input.ts,
    source: input.emitter,
    severity: /(^|\.)error$/.test(denisType) ? 'error' : CANONICAL_DEFAULTS.severity,
    traceId: input.correlation_id,
    sessionId: input.conversation_id,
    tenant: CANONICAL_DEFAULTS.tenant,
    sessionSeq: eventId >= 1 ? eventId : undefined,
    payload: input.payload,
    meta: joinMeta(undefined, NAMESPACE, compact(Object.entries(stash)), ''),
  })
}

/**
 * Lossy by nature: a Denis record has no place for id, version, severity, tenant, causationId,
 * idempotencyKey, seq or meta outside meta.denis (see docs/decisions/0203).
 */
function fromCanonical(envelope: Envelope, _context: CodecContext): JsonObject {
  if (envelope.sessionId === undefined) {
    reject(
      '/sessionId',
      'a session id (Denis records belong to a conversation)',
      undefined,
      '/sessionId is missing; a Denis record needs its conversation_id',
    )
  }
  const own = ownMeta(envelope, NAMESPACE)
  const denisType = ownString(own, NAMESPACE, 'type') ?? denisTypeOf(envelope.type)
  return compact([
    ['event_id', envelope.sessionSeq ?? 0],
    ['conversation_id', envelope.sessionId],
    ['type', denisType],
    ['channel', ownString(own, NAMESPACE, 'channel') ?? denisChannelOf(denisType)],
    ['emitter', envelope.source],
    ['stored', envelope.sessionSeq !== undefined],
    ['ts', envelope.ts],
    ['correlation_id', envelope.traceId],
    ['turn_id', ownString(own, NAMESPACE, 'turn_id') ?? envelope.traceId],
    ['trace_id', ownString(own, NAMESPACE, 'trace_id')],
    ['ui', ownObject(own, NAMESPACE, 'ui')],
    ['schema_version', own.schema_version],
    ['payload', envelope.payload],
  ])
}

export const denisCodec: DialectCodec = Object.freeze({ name: 'denis', toCanonical, fromCanonical })
