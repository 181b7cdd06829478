import { codePointLength, type Envelope } from '../contracts/index.ts'
import {
  CANONICAL_DEFAULTS,
  defaultedSet,
  fitsCanonical,
  joinMeta,
  metaToCarry,
  orderEnvelope,
  ownMeta,
  ownObject,
  ownString,
  shouldEmit,
} from './canonical-fields.ts'
import { type Carrier, orderCarrier, readCarrier } from './carrier.ts'
import { derivedUuid, isUuid } from './derived-id.ts'
import { invalid, reject } from './issues.ts'
import { compact, hasKeys, isPlainObject, without } from './json-guard.ts'
import { pinchyPayloadWarnings } from './pinchy-advisories.ts'
import type { CodecContext, DialectCodec, JsonObject } from './types.ts'

const NAMESPACE = 'pinchy'
const CARRIER_KEY = 'localhub'
const CARRIER_PATH = `/meta/${CARRIER_KEY}`

/** component_type given to a Pinchy source built from a canonical `source` string. */
export const DEFAULT_PINCHY_COMPONENT_TYPE = 'gateway'
/** routing.agent_id given when the canonical envelope names no Pinchy agent. */
export const DEFAULT_PINCHY_AGENT_ID = 'default'

const CARRIED = [
  'id',
  'version',
  'source',
  'severity',
  'causationId',
  'seq',
  'sessionSeq',
  'meta',
  'defaulted',
] as const
const MAX_SOURCE_CHARS = 500

function derivedSource(source: JsonObject): string {
  const full = `pinchy://${String(source.component_type)}/${String(source.component_id)}`
  return codePointLength(full) <= MAX_SOURCE_CHARS ? full : `pinchy://${String(source.component_type)}`
}

function isDefaultSource(source: JsonObject): boolean {
  const keys = Object.keys(source)
  return (
    keys.length === 2 && source.component_type === DEFAULT_PINCHY_COMPONENT_TYPE && 'component_id' in source
  )
}

/** The 17 event types Pinchy v1 allows, read from its schema. */
function pinchyTypes(context: CodecContext): readonly string[] {
  const properties = context.schemas.document('pinchy').properties as Record<string, { enum?: string[] }>
  return properties.event_type?.enum ?? []
}

function toCanonical(input: JsonObject, context: CodecContext): Envelope {
  const issues = context.schemas.validate('pinchy', input)
  if (issues.length > 0) throw invalid('not a valid Pinchy v1 envelope', issues)
  const source = input.source as JsonObject
  const routing = input.routing as JsonObject
  const pinchyMeta = input.meta as JsonObject | undefined
  const carrier = readCarrier(pinchyMeta?.[CARRIER_KEY], CARRIER_PATH, CARRIED, context)
  const claims = new Set(carrier?.defaulted ?? [])
  const defaulted: string[] = []
  const stash: JsonObject = {}
  const eventId = input.event_id as string

  let id = carrier?.id
  if (id === undefined && isUuid(eventId)) id = eventId
  if (id === undefined) {
    id = derivedUuid(NAMESPACE, eventId)
    defaulted.push('id')
  }
  if (eventId !== id) stash.event_id = eventId

  let traceId: string
  if (fitsCanonical('traceId', input.trace_id)) traceId = input.trace_id
  else {
    stash.trace_id = input.trace_id
    traceId = id
    defaulted.push('traceId')
  }

  let tenant: string
  if (fitsCanonical('tenant', input.tenant_id)) tenant = input.tenant_id
  else {
    stash.tenant_id = input.tenant_id
    tenant = CANONICAL_DEFAULTS.tenant
    defaulted.push('tenant')
  }

  let idempotencyKey: string | undefined
  if (fitsCanonical('idempotencyKey', input.idempotency_key)) idempotencyKey = input.idempotency_key
  else if (input.idempotency_key !== undefined) stash.idempotency_key = input.idempotency_key

  // An empty routing.session_id is how Pinchy says "no session".
  let sessionId: string | undefined
  if (fitsCanonical('sessionId', routing.session_id)) sessionId = routing.session_id
  else if (routing.session_id !== '') stash.session_id = routing.session_id

  let canonicalSource: string
  if (claims.has('source')) {
    if (
      !isDefaultSource(source) ||
      !fitsCanonical('source', source.component_id) ||
      carrier?.source !== undefined
    ) {
      reject(
        '/source',
        `the source the hub writes: {component_type: "${DEFAULT_PINCHY_COMPONENT_TYPE}", component_id}`,
        source,
      )
    }
    canonicalSource = source.component_id as string
  } else {
    stash.source = source
    canonicalSource = carrier?.source ?? derivedSource(source)
    if (carrier?.source === undefined) defaulted.push('source')
  }

  if (claims.has('routing.agent_id')) {
    if (Object.keys(routing).some((key) => key !== 'agent_id' && key !== 'session_id')) {
      reject('/routing', 'only agent_id and session_id (the carrier says routing was defaulted)', routing)
    }
    if (routing.agent_id !== DEFAULT_PINCHY_AGENT_ID) {
      reject('/routing/agent_id', JSON.stringify(DEFAULT_PINCHY_AGENT_ID), routing.agent_id)
    }
  } else {
    stash.routing = without(routing, 'session_id')
  }

  if (pinchyMeta !== undefined) {
    const rest = without(pinchyMeta, CARRIER_KEY)
    if (hasKeys(rest) || carrier === undefined) stash.meta = rest
  }
  const version = carrier?.version ?? CANONICAL_DEFAULTS.version
  if (carrier?.version === undefined) defaulted.push('version')
  const severity = carrier?.severity ?? CANONICAL_DEFAULTS.severity
  if (carrier?.severity === undefined) defaulted.push('severity')
  if (defaulted.length > 0) stash.defaulted = defaulted
  // Never written back to Pinchy: recomputed from the payload on every conversion.
  const warnings = pinchyPayloadWarnings(input.event_type as string, input.payload as JsonObject)
  if (warnings.length > 0) stash.warnings = warnings

  return orderEnvelope({
    id,
    type: input.event_type,
    version,
    ts: input.occurred_at,
    source: canonicalSource,
    severity,
    traceId,
    causationId: carrier?.causationId,
    sessionId,
    tenant,
    idempotencyKey,
    seq: carrier?.seq,
    sessionSeq: carrier?.sessionSeq,
    payload: input.payload,
    meta: joinMeta(carrier?.meta, NAMESPACE, stash, CARRIER_PATH),
  })
}

function fromCanonical(envelope: Envelope, context: CodecContext): JsonObject {
  if (!pinchyTypes(context).includes(envelope.type)) {
    reject(
      '/type',
      'one of the 17 Pinchy v1 event types',
      envelope.type,
      `type ${envelope.type} has no Pinchy v1 event_type`,
    )
  }
  const own = ownMeta(envelope, NAMESPACE)
  const defaulted = defaultedSet(own, NAMESPACE)
  const ownSource = ownObject(own, NAMESPACE, 'source')
  const ownRouting = ownObject(own, NAMESPACE, 'routing')
  const ownPinchyMeta = ownObject(own, NAMESPACE, 'meta')
  const eventId = ownString(own, NAMESPACE, 'event_id') ?? envelope.id
  const sessionId = ownString(own, NAMESPACE, 'session_id') ?? envelope.sessionId ?? ''
  const carrier: Carrier = {}
  const claims: string[] = []

  if (eventId !== envelope.id && !defaulted.has('id')) carrier.id = envelope.id
  if (shouldEmit(envelope, 'version', defaulted)) carrier.version = envelope.version
  if (shouldEmit(envelope, 'severity', defaulted)) carrier.severity = envelope.severity
  carrier.causationId = envelope.causationId
  carrier.seq = envelope.seq
  carrier.sessionSeq = envelope.sessionSeq
  carrier.meta = metaToCarry(envelope.meta, NAMESPACE)

  let source: JsonObject
  if (ownSource !== undefined) {
    source = ownSource
    if (!defaulted.has('source')) carrier.source = envelope.source
  } else {
    source = { component_type: DEFAULT_PINCHY_COMPONENT_TYPE, component_id: envelope.source }
    claims.push('source')
  }

  let routing: JsonObject
  if (ownRouting !== undefined) {
    routing = {
      agent_id: ownRouting.agent_id,
      session_id: sessionId,
      ...without(ownRouting, 'agent_id', 'session_id'),
    }
  } else {
    routing = { agent_id: DEFAULT_PINCHY_AGENT_ID, session_id: sessionId }
    claims.push('routing.agent_id')
  }
  if (claims.length > 0) carrier.defaulted = claims

  const ordered = orderCarrier(carrier)
  let meta: JsonObject | undefined = ownPinchyMeta
  if (ordered !== undefined) meta = { ...(ownPinchyMeta ?? {}), [CARRIER_KEY]: ordered }
  if (meta !== undefined && !isPlainObject(meta)) reject('/meta/pinchy/meta', 'an object', meta)

  return compact([
    ['version', 'v1'],
    ['event_id', eventId],
    ['trace_id', ownString(own, NAMESPACE, 'trace_id') ?? envelope.traceId],
    ['idempotency_key', ownString(own, NAMESPACE, 'idempotency_key') ?? envelope.idempotencyKey],
    ['occurred_at', envelope.ts],
    ['event_type', envelope.type],
    ['tenant_id', ownString(own, NAMESPACE, 'tenant_id') ?? envelope.tenant],
    ['source', source],
    ['routing', routing],
    ['payload', envelope.payload],
    ['meta', meta],
  ])
}

export const pinchyCodec: DialectCodec = Object.freeze({ name: 'pinchy', toCanonical, fromCanonical })
