import type { Envelope } from '../contracts/index.ts'

/** The envelope's JSON split around where seq and sessionSeq go, so it is serialised once, before the lock. */
export interface EnvelopeJsonParts {
  head: string
  tail: string
}

/**
 * One JSON.stringify per event: the fields before seq are copied field by field into an object
 * of one fixed shape (no rest/spread, which allocate and stay polymorphic), then the text is cut
 * where seq goes. A validated envelope has only the known fields (the schema forbids others).
 */
export function envelopeJsonParts(envelope: Envelope): EnvelopeJsonParts {
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
  // A placeholder in seq's canonical place; the text is cut around it.
  head.seq = 0
  head.payload = envelope.payload
  if (envelope.meta !== undefined) head.meta = envelope.meta
  const json = JSON.stringify(head)
  const at = json.indexOf(SPLIT_TEXT)
  if (at < 0) throw new Error('serialising an envelope lost the seq placeholder')
  return { head: json.slice(0, at), tail: json.slice(at + SPLIT_TEXT.length) }
}

// `,"` can only be structure (a quote inside a string value is escaped) and no field before seq
// is named seq, so the first match is the placeholder.
const SPLIT_TEXT = ',"seq":0,'

export function joinEnvelopeJson(
  parts: EnvelopeJsonParts,
  seq: number,
  sessionSeq: number | undefined,
): string {
  return sessionSeq === undefined
    ? `${parts.head},"seq":${seq},${parts.tail}`
    : `${parts.head},"seq":${seq},"sessionSeq":${sessionSeq},${parts.tail}`
}
