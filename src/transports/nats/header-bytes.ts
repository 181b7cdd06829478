import {
  HEADER_LIVE,
  HEADER_MSG_ID,
  HEADER_ORIGIN,
  HEADER_SESSION_SEQ,
  HEADER_TYPE,
  type HeaderReading,
  headerReadingOf,
} from './wire-header-names.ts'

const CR = 13
const LF = 10
const COLON = 58
const SPACE = 32

// Node's latin1 slice reads a Buffer or a plain Uint8Array (nats.js joins chunks into one) without
// a view or a decoder call; for ASCII bytes it gives what UTF-8 decoding gives.
const latin1Slice = (
  Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }
).latin1Slice
const decoder = new TextDecoder()

function asciiText(bytes: Uint8Array, start: number, end: number): string {
  return latin1Slice !== undefined
    ? latin1Slice.call(bytes, start, end)
    : decoder.decode(bytes.subarray(start, end))
}

// Where each event header's value is kept while scanning.
const TYPE = 0
const MSG_ID = 1
const SESSION_SEQ = 2
const LIVE = 3
const ORIGIN = 4

function sameName(bytes: Uint8Array, start: number, name: string): boolean {
  for (let index = 0; index < name.length; index++)
    if (bytes[start + index] !== name.charCodeAt(index)) return false
  return true
}

/** Which event header `bytes[start, end)` names (TYPE … ORIGIN), or -1. */
function eventHeaderAt(bytes: Uint8Array, start: number, end: number): number {
  switch (end - start) {
    case 7:
      if (sameName(bytes, start, HEADER_TYPE)) return TYPE
      return sameName(bytes, start, HEADER_LIVE) ? LIVE : -1
    case 9:
      return sameName(bytes, start, HEADER_ORIGIN) ? ORIGIN : -1
    case 11:
      return sameName(bytes, start, HEADER_MSG_ID) ? MSG_ID : -1
    case 14:
      return sameName(bytes, start, HEADER_SESSION_SEQ) ? SESSION_SEQ : -1
    default:
      return -1
  }
}

/** ASCII white space as String.prototype.trim removes it: TAB, LF, VT, FF, CR and space. */
function isAsciiSpace(byte: number): boolean {
  return byte === SPACE || (byte >= 9 && byte <= 13)
}

/**
 * The header block `bytes[0, length)` read as nats.js reads its decoded text (see scanHeaderBlock),
 * straight from the received bytes (decision 1781): lines end at CRLF, the first line is the
 * status, a line's name ends at its first colon, a name nats.js would refuse makes the block
 * malformed, the first value of each event header wins and is trimmed. Undefined when a byte this
 * reads — one of a refused name, or of a kept value — is not ASCII: UTF-8 decoding could read it
 * differently, so the caller decodes and scans the text. Every other byte is only compared with
 * CR, LF and ':', which UTF-8 decoding leaves where they are (it never merges an ASCII byte into a
 * multi-byte sequence, valid or not).
 */
export function scanHeaderBytes(bytes: Uint8Array, length: number): HeaderReading | undefined {
  // The first value of each name wins, as with nats.js's get().
  let type: string | undefined
  let msgId: string | undefined
  let sessionSeq: string | undefined
  let live: string | undefined
  let origin: string | undefined
  let index = 0
  // The first line is the version and status; nats.js reads no header from it.
  while (index + 1 < length && !(bytes[index] === CR && bytes[index + 1] === LF)) index++
  while (index + 1 < length) {
    const start = index + 2
    let colon = -1
    let invalid = -1
    // Every byte of the value ORed together: past 127 when one is not ASCII.
    let valueBits = 0
    for (index = start; index < length; index++) {
      const byte = bytes[index]!
      if (byte === CR && index + 1 < length && bytes[index + 1] === LF) break
      if (colon >= 0) valueBits |= byte
      else if (byte === COLON) colon = index
      else if (invalid < 0 && (byte < 33 || byte > 126)) invalid = index
    }
    if (colon < 0) continue
    if (invalid >= 0) {
      const byte = bytes[invalid]!
      if (byte > 127) return undefined
      return {
        ok: false,
        reason: `malformed headers: ${JSON.stringify(String.fromCharCode(byte))} in a header name`,
      }
    }
    const which = eventHeaderAt(bytes, start, colon)
    if (which < 0) continue
    if (
      (which === TYPE && type !== undefined) ||
      (which === MSG_ID && msgId !== undefined) ||
      (which === SESSION_SEQ && sessionSeq !== undefined) ||
      (which === LIVE && live !== undefined) ||
      (which === ORIGIN && origin !== undefined)
    )
      continue
    if (valueBits > 127) return undefined
    const value = trimmedText(bytes, colon + 1, index)
    if (which === TYPE) type = value
    else if (which === MSG_ID) msgId = value
    else if (which === SESSION_SEQ) sessionSeq = value
    else if (which === LIVE) live = value
    else origin = value
  }
  return headerReadingOf(type, msgId, sessionSeq, live, origin)
}

/** `bytes[start, end)` (ASCII) as text, trimmed as String.prototype.trim trims ASCII. */
function trimmedText(bytes: Uint8Array, start: number, end: number): string {
  let first = start
  let last = end
  while (first < last && isAsciiSpace(bytes[first]!)) first++
  while (last > first && isAsciiSpace(bytes[last - 1]!)) last--
  return first === last ? '' : asciiText(bytes, first, last)
}
