import canonicalize from 'canonicalize'
import type { Envelope } from '../contracts/index.ts'
import {
  CANONICAL_DEFAULTS,
  defaultedSet,
  fitsCanonical,
  joinMeta,
  metaToCarry,
  orderEnvelope,
  ownMeta,
  ownObject,
  shouldEmit,
} from './canonical-fields.ts'
import { type Carrier, orderCarrier, readCarrier } from './carrier.ts'
import { derivedUuid } from './derived-id.ts'
import { invalid, reject } from './issues.ts'
import { assertJsonTree, compact, hasKeys, without } from './json-guard.ts'
import type { CodecContext, DialectCodec, JsonObject } from './types.ts'

const NAMESPACE = 'adaos'
/** Reserved header: compact JSON of the canonical fields AdaOS has no slot for. */
export const ADAOS_CARRIER_HEADER = 'x-localhub'
const IDEMPOTENCY_HEADER = 'idempotency_key'
const CARRIER_PATH = `/headers/${ADAOS_CARRIER_HEADER}`
const CARRIED = ['id', 'severity', 'sessionId', 'seq', 'sessionSeq', 'meta'] as const
const MAX_CARRIER_DEPTH = 64

function parseCarrier(text: string | undefined, context: CodecContext): Carrier | undefined {
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    reject(CARRIER_PATH, 'compact JSON written by the hub', text)
  }
  assertJsonTree(parsed, MAX_CARRIER_DEPTH, CARRIER_PATH)
  const carrier = readCarrier(parsed, CARRIER_PATH, CARRIED, context)
  // Only the hub writes this header; anything but its own serialisation could not round-trip.
  if (carrier === undefined || JSON.stringify(orderCarrier(carrier)) !== text) {
    reject(CARRIER_PATH, 'compact JSON with fields in canonical order, as the hub writes it', text)
  }
  return carrier
}

function toCanonical(input: JsonObject, context: CodecContext): Envelope {
  const issues = context.schemas.validate('adaos', input)
  if (issues.length > 0) throw invalid('not a valid AdaOS envelope', issues)
  const headers = input.headers as Record<string, string> | undefined
  const carrier = parseCarrier(headers?.[ADAOS_CARRIER_HEADER], context)
  const defaulted: string[] = []
  const stash: JsonObject = {}

  let id = carrier?.id
  if (id === undefined) {
    // Same event, same id: the hash covers the whole event.
    id = derivedUuid(NAMESPACE, canonicalize(input) ?? '')
    defaulted.push('id')
  }
  const severity = carrier?.severity ?? CANONICAL_DEFAULTS.severity
  if (carrier?.severity === undefined) defaulted.push('severity')
  let tenant = input.tenant as string | undefined
  if (tenant === undefined) {
    tenant = CANONICAL_DEFAULTS.tenant
    defaulted.push('tenant')
  }

  let idempotencyKey: string | undefined
  if (headers !== undefined) {
    const key = headers[IDEMPOTENCY_HEADER]
    if (fitsCanonical('idempotencyKey', key)) idempotencyKey = key
    const rest = without(
      headers,
      ADAOS_CARRIER_HEADER,
      ...(idempotencyKey === undefined ? [] : [IDEMPOTENCY_HEADER]),
    )
    // Keep the headers object itself when nothing else would bring it back.
    if (hasKeys(rest) || (idempotencyKey === undefined && carrier === undefined)) stash.headers = rest
  }
  if (defaulted.length > 0) stash.defaulted = defaulted

  return orderEnvelope({
    id,
    type: input.event_name,
    version: input.version,
    ts: input.ts,
    source: input.source,
    severity,
    traceId: input.correlation_id,
    causationId: input.causation_id,
    sessionId: carrier?.sessionId,
    tenant,
    idempotencyKey,
    seq: carrier?.seq,
    sessionSeq: carrier?.sessionSeq,
    payload: input.payload,
    meta: joinMeta(carrier?.meta, NAMESPACE, stash, CARRIER_PATH),
  })
}

function fromCanonical(envelope: Envelope, _context: CodecContext): JsonObject {
  const own = ownMeta(envelope, NAMESPACE)
  const defaulted = defaultedSet(own, NAMESPACE)
  const ownHeaders = ownObject(own, NAMESPACE, 'headers')
  for (const [name, value] of Object.entries(ownHeaders ?? {})) {
    if (typeof value !== 'string') reject(`/meta/adaos/headers/${name}`, 'a string header value', value)
  }
  const carrier: Carrier = {
    id: defaulted.has('id') ? undefined : envelope.id,
    severity: shouldEmit(envelope, 'severity', defaulted) ? envelope.severity : undefined,
    sessionId: envelope.sessionId,
    seq: envelope.seq,
    sessionSeq: envelope.sessionSeq,
    meta: metaToCarry(envelope.meta, NAMESPACE),
  }
  const ordered = orderCarrier(carrier)
  const headers = compact([
    [IDEMPOTENCY_HEADER, envelope.idempotencyKey],
    ...Object.entries(ownHeaders ?? {}).filter(
      ([name]) =>
        name !== ADAOS_CARRIER_HEADER &&
        !(name === IDEMPOTENCY_HEADER && envelope.idempotencyKey !== undefined),
    ),
    [ADAOS_CARRIER_HEADER, ordered === undefined ? undefined : JSON.stringify(ordered)],
  ])
  return compact([
    ['event_name', envelope.type],
    ['version', envelope.version],
    ['ts', envelope.ts],
    ['source', envelope.source],
    ['correlation_id', envelope.traceId],
    ['causation_id', envelope.causationId],
    ['tenant', shouldEmit(envelope, 'tenant', defaulted) ? envelope.tenant : undefined],
    ['headers', hasKeys(headers) || ownHeaders !== undefined ? headers : undefined],
    ['payload', envelope.payload],
  ])
}

export const adaosCodec: DialectCodec = Object.freeze({ name: 'adaos', toCanonical, fromCanonical })
