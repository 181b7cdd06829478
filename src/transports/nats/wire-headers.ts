import type { MsgHdrs } from '@nats-io/transport-node'
import { scanHeaderBytes } from './header-bytes.ts'
import {
  type EventHeaders,
  HEADER_LIVE,
  HEADER_MSG_ID,
  HEADER_ORIGIN,
  HEADER_SESSION_SEQ,
  HEADER_TYPE,
  type HeaderReading,
  headerReadingOf,
} from './wire-header-names.ts'

export {
  type EventHeaders,
  HEADER_LIVE,
  HEADER_MSG_ID,
  HEADER_ORIGIN,
  HEADER_SESSION_SEQ,
  HEADER_TYPE,
  type HeaderReading,
}

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
export interface ReceivedBytes {
  _rdata: Uint8Array
  _msg: { hdr: number }
}

/** The bytes nats.js received for a `Msg`, or for the `Msg` a `JsMsg` wraps; undefined for others. */
export function receivedBytesOf(delivered: object): ReceivedBytes | undefined {
  const message = delivered as DeliveredMessage
  return receivedBytes(message.msg) ?? receivedBytes(message)
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
  const received = receivedBytesOf(message)
  if (received !== undefined) {
    const length = received._msg.hdr
    if (length < 0) return NO_HEADERS
    // Read from the bytes; decoded first only when a byte the scan reads is not ASCII (decision 1781).
    return (
      scanHeaderBytes(received._rdata, length) ??
      scanHeaderBlock(decoder.decode(received._rdata.subarray(0, length)))
    )
  }
  try {
    const headers = message.headers
    return headerReadingOf(
      headers?.get(HEADER_TYPE),
      headers?.get(HEADER_MSG_ID),
      headers?.get(HEADER_SESSION_SEQ),
      headers?.get(HEADER_LIVE),
      headers?.get(HEADER_ORIGIN),
    )
  } catch (error) {
    return { ok: false, reason: `malformed headers: ${(error as Error).message.slice(0, 200)}` }
  }
}

/** Scans `NATS/1.0[ status]\r\nName: value\r\n…` (decoded text) for the event headers. */
export function scanHeaderBlock(block: string): HeaderReading {
  // The first value of each name wins, as with nats.js's get().
  let type: string | undefined
  let msgId: string | undefined
  let sessionSeq: string | undefined
  let live: string | undefined
  let origin: string | undefined
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
      const name = eventHeaderAt(block, start, colon)
      if (name !== UNUSED) {
        const value = block.slice(colon + 1, end).trim()
        if (name === HEADER_TYPE) type ??= value
        else if (name === HEADER_MSG_ID) msgId ??= value
        else if (name === HEADER_SESSION_SEQ) sessionSeq ??= value
        else if (name === HEADER_LIVE) live ??= value
        else origin ??= value
      }
    }
    start = next
  }
  return headerReadingOf(type, msgId, sessionSeq, live, origin)
}

const UNUSED = ''

/** The event header named by `block[start, colon)`, compared in place (no string per name). */
function eventHeaderAt(block: string, start: number, colon: number): string {
  switch (colon - start) {
    case 7:
      if (sameText(block, start, HEADER_TYPE)) return HEADER_TYPE
      return sameText(block, start, HEADER_LIVE) ? HEADER_LIVE : UNUSED
    case 9:
      return sameText(block, start, HEADER_ORIGIN) ? HEADER_ORIGIN : UNUSED
    case 11:
      return sameText(block, start, HEADER_MSG_ID) ? HEADER_MSG_ID : UNUSED
    case 14:
      return sameText(block, start, HEADER_SESSION_SEQ) ? HEADER_SESSION_SEQ : UNUSED
    default:
      return UNUSED
  }
}

/** `block.startsWith(name, start)`, which measured slower than comparing the few characters. */
function sameText(block: string, start: number, name: string): boolean {
  for (let index = 0; index < name.length; index++)
    if (block.charCodeAt(start + index) !== name.charCodeAt(index)) return false
  return true
}

/** Index of the first character a header name may not hold (printable ASCII but ':'), or -1. */
function invalidNameCharacter(text: string, start: number, end: number): number {
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index)
    if (code < 33 || code > 126) return index
  }
  return -1
}
