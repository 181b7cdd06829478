import type { Envelope } from '../contracts/index.ts'

/** The envelope's JSON split around where seq and sessionSeq go, so it is serialised once, before the lock. */
export interface EnvelopeJsonParts {
  head: string
  tail: string
}

export function envelopeJsonParts(envelope: Envelope): EnvelopeJsonParts {
  const { payload, meta, seq: _seq, sessionSeq: _sessionSeq, ...head } = envelope
  const headJson = JSON.stringify(head)
  const tailJson = JSON.stringify(meta === undefined ? { payload } : { payload, meta })
  return { head: headJson.slice(0, -1), tail: tailJson.slice(1) }
}

export function joinEnvelopeJson(parts: EnvelopeJsonParts, seq: number, sessionSeq: number | undefined): string {
  return sessionSeq === undefined
    ? `${parts.head},"seq":${seq},${parts.tail}`
    : `${parts.head},"seq":${seq},"sessionSeq":${sessionSeq},${parts.tail}`
}
