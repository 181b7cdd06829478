/** The headers a stored or live event is checked by; '' counts as absent, as before. */
export interface EventHeaders {
  type: string | undefined
  msgId: string | undefined
  sessionSeq: string | undefined
  /** Lh-Live and Lh-Origin: set on ephemeral events, which cross core NATS only. */
  live: string | undefined
  origin: string | undefined
}

export type HeaderReading = { ok: true; headers: EventHeaders } | { ok: false; reason: string }

export const HEADER_TYPE = 'Lh-Type'
export const HEADER_SESSION_SEQ = 'Lh-Session-Seq'
export const HEADER_MSG_ID = 'Nats-Msg-Id'
export const HEADER_LIVE = 'Lh-Live'
export const HEADER_ORIGIN = 'Lh-Origin'

/** The reading of a well-formed block: an empty value counts as absent, as nats.js reads it. */
export function headerReadingOf(
  type: string | undefined,
  msgId: string | undefined,
  sessionSeq: string | undefined,
  live: string | undefined,
  origin: string | undefined,
): HeaderReading {
  return {
    ok: true,
    headers: {
      type: present(type),
      msgId: present(msgId),
      sessionSeq: present(sessionSeq),
      live: present(live),
      origin: present(origin),
    },
  }
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
