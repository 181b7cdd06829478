import { receivedBytesOf } from './wire-headers.ts'

const decoder = new TextDecoder('utf-8', { fatal: true })
// Node's UTF-8 slice of a Buffer or plain Uint8Array, without the view nats.js's `data` makes.
const utf8Slice = (
  Buffer.prototype as unknown as { utf8Slice?: (this: Uint8Array, start: number, end: number) => string }
).utf8Slice

const REPLACEMENT = '\ufffd'
const BYTE_ORDER_MARK = 0xfeff

interface WithData {
  data: Uint8Array
}

/** The payload's size in bytes. */
export function payloadSize(message: WithData): number {
  const received = receivedBytesOf(message)
  if (received === undefined) return message.data.length
  return received._rdata.length - Math.max(received._msg.hdr, 0)
}

/**
 * The payload read as strict UTF-8: throws as TextDecoder with `fatal` does. For nats.js's received
 * messages it is read from the received bytes (decision 1784): Node's UTF-8 slice gives what the
 * strict decoder gives for valid UTF-8 without a leading byte order mark; a slice holding U+FFFD (a
 * replaced byte, or one in the text) or starting with a BOM (which the decoder drops) is decoded
 * again strictly, so invalid UTF-8 is refused exactly as before.
 */
export function payloadText(message: WithData): string {
  const received = receivedBytesOf(message)
  if (received === undefined || utf8Slice === undefined) return decoder.decode(message.data)
  const bytes = received._rdata
  const start = Math.max(received._msg.hdr, 0)
  const text = utf8Slice.call(bytes, start, bytes.length)
  if (text.charCodeAt(0) !== BYTE_ORDER_MARK && !text.includes(REPLACEMENT)) return text
  return decoder.decode(bytes.subarray(start))
}
