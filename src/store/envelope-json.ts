import type { Envelope } from '../contracts/index.ts'

/**
 * The stored JSON of an envelope: one JSON.stringify, with seq (and sessionSeq, which an event
 * has exactly when it has a sessionId) in their canonical place. The fields are copied one by one
 * into an object of one fixed shape (no rest/spread, which allocate and stay polymorphic). A
 * validated envelope has only the known fields (the schema forbids others).
 *
 * The writer serialises before its transaction, with the seq it expects the event to get; when
 * the guess was wrong, `resequenceEnvelopeJson` rewrites the two numbers (decision 1744).
 */
export function envelopeJson(envelope: Envelope, seq: number, sessionSeq: number | undefined): string {
  const head: Record<string, unknown> = {
    id: envelope.id,
    type: envelope.type,
    version: envelope.version,
    ts: envelope.ts,
    source: envelope.source,
    severity: envelope.severity,
    traceId: envelope.traceId,
  }
  if (envelope.causationId !== undefined) head.causationId = envelope.causationId
  if (envelope.sessionId !== undefined) head.sessionId = envelope.sessionId
  head.tenant = envelope.tenant
  if (envelope.idempotencyKey !== undefined) head.idempotencyKey = envelope.idempotencyKey
  head.seq = seq
  if (sessionSeq !== undefined) head.sessionSeq = sessionSeq
  head.payload = envelope.payload
  if (envelope.meta !== undefined) head.meta = envelope.meta
  return JSON.stringify(head)
}

function sequenceText(seq: number, sessionSeq: number | undefined): string {
  return sessionSeq === undefined ? `,"seq":${seq},` : `,"seq":${seq},"sessionSeq":${sessionSeq},`
}

/**
 * `json` (made by envelopeJson with writtenSeq and writtenSessionSeq) with seq and sessionSeq
 * instead. `,"` can only be structure (a quote inside a string value is escaped) and every field
 * before seq is a string or a number, so the first match is the one envelopeJson wrote.
 */
export function resequenceEnvelopeJson(
  json: string,
  writtenSeq: number,
  writtenSessionSeq: number | undefined,
  seq: number,
  sessionSeq: number | undefined,
): string {
  if (writtenSeq === seq && writtenSessionSeq === sessionSeq) return json
  const written = sequenceText(writtenSeq, writtenSessionSeq)
  const at = json.indexOf(written)
  if (at < 0) throw new Error('the stored JSON lost its seq')
  return json.slice(0, at) + sequenceText(seq, sessionSeq) + json.slice(at + written.length)
}
