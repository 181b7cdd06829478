import type { Envelope } from '../contracts/index.ts'

/** A copy of a persisted envelope with the log's seq and sessionSeq in their canonical place (before payload). */
export function withSequence(envelope: Envelope, seq: number, sessionSeq: number | undefined): Envelope {
  // Field by field: faster than rest/spread on the publish path, and keeps ENVELOPE_FIELDS order.
  const stored: Record<string, unknown> = {
    id: envelope.id,
    type: envelope.type,
    version: envelope.version,
    ts: envelope.ts,
    source: envelope.source,
    severity: envelope.severity,
    traceId: envelope.traceId,
  }
  if (envelope.causationId !== undefined) stored.causationId = envelope.causationId
  if (envelope.sessionId !== undefined) stored.sessionId = envelope.sessionId
  stored.tenant = envelope.tenant
  if (envelope.idempotencyKey !== undefined) stored.idempotencyKey = envelope.idempotencyKey
  stored.seq = seq
  if (sessionSeq !== undefined) stored.sessionSeq = sessionSeq
  stored.payload = envelope.payload
  if (envelope.meta !== undefined) stored.meta = envelope.meta
  return stored as unknown as Envelope
}

/** Unix ms of an envelope's ts (RFC 3339), or NaN. */
export function envelopeTimeMs(envelope: Pick<Envelope, 'ts'>): number {
  return Date.parse(envelope.ts)
}
