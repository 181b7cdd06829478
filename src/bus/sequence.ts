import type { Envelope } from '../contracts/index.ts'

/** A copy of a persisted envelope with the log's seq and sessionSeq in their canonical place (before payload). */
export function withSequence(envelope: Envelope, seq: number, sessionSeq: number | undefined): Envelope {
  const { payload, meta, seq: _seq, sessionSeq: _sessionSeq, ...head } = envelope
  const stored = { ...head, seq } as Envelope
  if (sessionSeq !== undefined) stored.sessionSeq = sessionSeq
  stored.payload = payload
  if (meta !== undefined) stored.meta = meta
  return stored
}

/** Unix ms of an envelope's ts (RFC 3339), or NaN. */
export function envelopeTimeMs(envelope: Pick<Envelope, 'ts'>): number {
  return Date.parse(envelope.ts)
}
