import type { MsgHdrs } from '@nats-io/transport-node'

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

const decoder = new TextDecoder()
const NO_HEADERS: HeaderReading = {
  ok: true,
  headers: { type: undefined, msgId: undefined, sessionSeq: undefined, live: undefined, origin: undefined },
}

/** A message as nats.js delivers it: `Msg`, or `JsMsg` wrapping one as `msg`. */
interface DeliveredMessage {
  headers?: MsgHdrs | undefined
  msg?: unknown
}

/** nats.js's message class keeps the received bytes and the header length (-1: none). */
interface ReceivedBytes {
  _rdata: Uint8Array
  _msg: { hdr: number }
}

function receivedBytes(candidate: unknown): ReceivedBytes | undefined {
  const bytes = candidate as Partial<ReceivedBytes> | undefined
  return bytes?._rdata instanceof Uint8Array && typeof bytes._msg?.hdr === 'number'
    ? (bytes as ReceivedBytes)
    : undefined
}

/**
 * Reads Lh-Type, Nats-Msg-Id and Lh-Session-Seq of a message from the server. nats.js decodes a
 * header block into a map on first access (10% of the consume path in a profile) and throws on a
 * header name it cannot canonicalise — bytes anyone with publish rights can send, which stopped
 * the consumer's pull loop. Here the block is scanned once, with nats.js's rules for the result
 * (lines split at CRLF, the name before the first colon matched exactly, the value trimmed, the
 * first value wins), and a name nats.js would refuse makes the message malformed, not a throw.
 * Messages that are not nats.js's received messages (the log read by seq) use their MsgHdrs.
 */
export function readEventHeaders(delivered: object): HeaderReading {
  const message = delivered as DeliveredMessage
  const received = receivedBytes(message.msg) ?? receivedBytes(message)
  if (received !== undefined) {
    const length = received._msg.hdr
    return length < 0 ? NO_HEADERS : scanHeaderBlock(decoder.decode(received._rdata.subarray(0, length)))
  }
  try {
    const headers = message.headers
    return {
      ok: true,
      headers: {
        type: present(headers?.get(HEADER_TYPE)),
        msgId: present(headers?.get(HEADER_MSG_ID)),
        sessionSeq: present(headers?.get(HEADER_SESSION_SEQ)),
        live: present(headers?.get(HEADER_LIVE)),
        origin: present(headers?.get(HEADER_ORIGIN)),
      },
    }
  } catch (error) {
    return { ok: false, reason: `malformed headers: ${(error as Error).message.slice(0, 200)}` }
  }
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

/** Scans `NATS/1.0[ status]\r\nName: value\r\n…` for the event headers. */
export function scanHeaderBlock(block: string): HeaderReading {
  // The first value of each name wins, as with nats.js's get().
  const found: Record<string, string> = {}
  // The first line is the version and status; nats.js reads no header from it.
  let start = block.indexOf('\r\n')
  // The next colon at or after `start`, found once for many lines without one (linear in the block).
  let colon = -1
  while (start >= 0) {
    start += 2
    const next = block.indexOf('\r\n', start)
    const end = next < 0 ? block.length : next
    if (colon < start) {
      colon = block.indexOf(':', start)
      if (colon < 0) colon = Number.POSITIVE_INFINITY
    }
    if (colon < end) {
      const invalid = invalidNameCharacter(block, start, colon)
      if (invalid >= 0) {
        return {
          ok: false,
          reason: `malformed headers: ${JSON.stringify(block[invalid])} in a header name`,
        }
      }
      const name = block.slice(start, colon)
      if (EVENT_HEADERS.has(name) && found[name] === undefined)
        found[name] = block.slice(colon + 1, end).trim()
    }
    start = next
  }
  return {
    ok: true,
    headers: {
      type: present(found[HEADER_TYPE]),
      msgId: present(found[HEADER_MSG_ID]),
      sessionSeq: present(found[HEADER_SESSION_SEQ]),
      live: present(found[HEADER_LIVE]),
      origin: present(found[HEADER_ORIGIN]),
    },
  }
}

const EVENT_HEADERS = new Set([HEADER_TYPE, HEADER_MSG_ID, HEADER_SESSION_SEQ, HEADER_LIVE, HEADER_ORIGIN])

/** Index of the first character a header name may not hold (printable ASCII but ':'), or -1. */
function invalidNameCharacter(text: string, start: number, end: number): number {
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index)
    if (code < 33 || code > 126) return index
  }
  return -1
}
