import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node'
import { withSequence } from '../../bus/index.ts'
import { type Contracts, type Envelope, HubError } from '../../contracts/index.ts'
import { typeOfSubject } from './names.ts'
import { payloadSize, payloadText } from './payload-text.ts'
import {
  HEADER_LIVE,
  HEADER_MSG_ID,
  HEADER_ORIGIN,
  HEADER_SESSION_SEQ,
  HEADER_TYPE,
  type HeaderReading,
  readEventHeaders,
} from './wire-headers.ts'

// How events look on the wire, and the checks every message from the server passes before a
// handler sees it: anyone with publish rights can put bytes on hub.<id>.<type>, so nothing is
// trusted because it arrived on the right subject.

export { HEADER_LIVE, HEADER_MSG_ID, HEADER_ORIGIN, HEADER_SESSION_SEQ, HEADER_TYPE }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  // seq and sessionSeq belong to the log; the stream assigns seq and a header carries sessionSeq.
  const { seq: _seq, sessionSeq: _sessionSeq, ...rest } = envelope
  return encoder.encode(JSON.stringify(rest))
}

export function storedHeaders(envelope: Envelope, sessionSeq: number | undefined): MsgHdrs {
  const headers = natsHeaders()
  headers.set(HEADER_TYPE, envelope.type)
  if (sessionSeq !== undefined) headers.set(HEADER_SESSION_SEQ, String(sessionSeq))
  return headers
}

export function liveHeaders(envelope: Envelope, origin: string): MsgHdrs {
  const headers = natsHeaders()
  headers.set(HEADER_TYPE, envelope.type)
  headers.set(HEADER_LIVE, '1')
  headers.set(HEADER_ORIGIN, origin)
  return headers
}

export interface WireMessage {
  subject: string
  data: Uint8Array
  headers?: MsgHdrs | undefined
}

export type Decoded =
  | { ok: true; envelope: Envelope; sessionSeq: number | undefined }
  | { ok: false; reason: string }

export interface CodecSettings {
  prefix: string
  maxEventBytes: number
  contracts: Contracts
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Checks size, headers, JSON and the envelope against the catalog; never throws. */
export function decodeMessage(
  message: WireMessage,
  settings: CodecSettings,
  kind: 'stored' | 'live',
  headerReading?: HeaderReading,
): Decoded {
  // From the received bytes: nats.js's `data` makes a new view on every access (decision 1784).
  const size = payloadSize(message)
  if (size > settings.maxEventBytes) {
    return {
      ok: false,
      reason: `E_RESOURCE_LIMIT: message of ${size} bytes exceeds ${settings.maxEventBytes}`,
    }
  }
  const subjectType = typeOfSubject(settings.prefix, message.subject)
  if (subjectType === undefined)
    return { ok: false, reason: `E_BAD_REQUEST: subject ${message.subject} is not under ${settings.prefix}` }
  const reading = headerReading ?? readEventHeaders(message)
  if (!reading.ok) return { ok: false, reason: `E_BAD_REQUEST: ${reading.reason}` }
  const headers = reading.headers
  const typeHeader = headers.type
  if (typeHeader !== subjectType) {
    return {
      ok: false,
      reason: `E_BAD_REQUEST: malformed headers: ${HEADER_TYPE} ${JSON.stringify(typeHeader ?? null)} does not match the subject`,
    }
  }
  let sessionSeq: number | undefined
  const sessionHeader = headers.sessionSeq
  if (sessionHeader !== undefined) {
    if (!/^[1-9][0-9]{0,15}$/.test(sessionHeader)) {
      return {
        ok: false,
        reason: `E_BAD_REQUEST: malformed headers: ${HEADER_SESSION_SEQ} ${JSON.stringify(sessionHeader.slice(0, 40))}`,
      }
    }
    sessionSeq = Number(sessionHeader)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(payloadText(message))
  } catch (error) {
    return { ok: false, reason: `E_VALIDATION: not UTF-8 JSON: ${(error as Error).message.slice(0, 200)}` }
  }
  if (!isPlainObject(parsed)) return { ok: false, reason: 'E_VALIDATION: not an envelope object' }
  if (kind === 'stored' && headers.msgId !== parsed.id) {
    return {
      ok: false,
      reason: `E_BAD_REQUEST: malformed headers: ${HEADER_MSG_ID} does not match the envelope id`,
    }
  }
  if (parsed.type !== subjectType)
    return { ok: false, reason: 'E_VALIDATION: envelope type does not match the subject' }
  const outcome = settings.contracts.validateEnvelope(parsed)
  if (!outcome.ok) {
    // The stored form has guardrails applied (hashed or dropped fields, marked by _guardrails), so
    // it may legitimately differ from the in-flight payload schema; the envelope itself may not.
    const issues = outcome.error.details?.issues ?? []
    const payloadOnly = issues.length > 0 && issues.every((issue) => issue.path.startsWith('/payload'))
    const guardrailed = isPlainObject(parsed.payload) && isPlainObject(parsed.payload._guardrails)
    if (!(payloadOnly && guardrailed)) {
      const listed = issues.slice(0, 5).map((issue) => `${issue.path || '/'}: ${issue.message}`)
      const where = listed.length === 0 ? outcome.error.message : listed.join('; ')
      return { ok: false, reason: `${outcome.error.code}: ${where}`.slice(0, 2000) }
    }
  }
  const envelope = parsed as unknown as Envelope
  const entry = settings.contracts.entry(envelope.type, envelope.version)
  if (entry !== undefined && entry.stored !== (kind === 'stored')) {
    return {
      ok: false,
      reason: `E_VALIDATION: ${envelope.type} is ${entry.stored ? 'stored' : 'ephemeral'} but arrived as a ${kind} message`,
    }
  }
  if (kind === 'stored' && (envelope.sessionId === undefined) !== (sessionSeq === undefined)) {
    return {
      ok: false,
      reason: `E_BAD_REQUEST: malformed headers: ${HEADER_SESSION_SEQ} must be present exactly when sessionId is`,
    }
  }
  return { ok: true, envelope, sessionSeq }
}

/** The envelope as the log hands it out: with seq (the stream sequence) and sessionSeq. */
export function storedEnvelope(
  decoded: { envelope: Envelope; sessionSeq: number | undefined },
  seq: number,
): Envelope {
  return withSequence(decoded.envelope, seq, decoded.sessionSeq)
}

/** A stand-in envelope for a message that could not be decoded, so it can sit in the DLQ. */
export function rejectedEnvelope(
  message: WireMessage,
  prefix: string,
  reason: string,
  now: number,
): Envelope {
  let text: string
  try {
    text = decoder.decode(message.data.subarray(0, 2000))
  } catch {
    text = Buffer.from(message.data.subarray(0, 1500)).toString('base64')
  }
  const reading = readEventHeaders(message)
  const msgId = reading.ok ? reading.headers.msgId : undefined
  const id = (msgId ?? '').slice(0, 200) || `rejected-${now}`
  return {
    id,
    type: (typeOfSubject(prefix, message.subject) ?? message.subject).slice(0, 200),
    version: 1,
    ts: new Date(now).toISOString(),
    source: 'nats:unverified',
    severity: 'error',
    traceId: id,
    tenant: 'default',
    payload: { rejected: true, reason, bytes: message.data.length, sample: text },
  } as Envelope
}

export function hubErrorFromReason(reason: string): HubError {
  const code = reason.split(':', 1)[0]!
  return new HubError(
    code === 'E_RESOURCE_LIMIT' || code === 'E_BAD_REQUEST' || code === 'E_VALIDATION'
      ? code
      : 'E_VALIDATION',
    reason,
  )
}
