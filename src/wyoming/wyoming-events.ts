import { HubError } from '../contracts/index.ts'

// The Wyoming protocol (Rhasspy / Home Assistant voice services): each event is one JSON header
// line `{type, data?, data_length?, payload_length?}`, then `data_length` bytes of JSON data (merged
// into `data`), then `payload_length` bytes of payload (audio).

export interface WyomingEvent {
  type: string
  data: Record<string, unknown>
  payload?: Buffer
}

/** Largest header line or data block accepted from a Wyoming peer, in bytes. */
export const DEFAULT_WYOMING_MAX_HEADER_BYTES = 64 * 1024
/** Largest payload accepted from a Wyoming peer (a TTS reply's audio chunk), in bytes. */
export const DEFAULT_WYOMING_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024

/** One event as bytes on the wire. */
export function encodeWyomingEvent(
  type: string,
  data: Record<string, unknown> = {},
  payload?: Buffer,
): Buffer {
  const body = Buffer.from(JSON.stringify(data), 'utf8')
  const header = {
    type,
    data_length: body.length,
    ...(payload === undefined ? {} : { payload_length: payload.length }),
  }
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body, payload ?? Buffer.alloc(0)])
}

export interface WyomingReaderLimits {
  /** Largest header line and largest data block, in bytes. */
  maxHeaderBytes: number
  /** Largest payload, in bytes. */
  maxPayloadBytes: number
}

/**
 * Splits a byte stream into Wyoming events; throws E_VALIDATION on a malformed one (and
 * E_RESOURCE_LIMIT on one over the limits). After a throw the stream cannot be resynchronised.
 */
export class WyomingReader {
  #buffer: Buffer = Buffer.alloc(0)
  #header:
    | { type: string; data: Record<string, unknown>; dataLength: number; payloadLength: number }
    | undefined
  readonly #limits: WyomingReaderLimits

  constructor(limits: Partial<WyomingReaderLimits> = {}) {
    this.#limits = {
      maxHeaderBytes: DEFAULT_WYOMING_MAX_HEADER_BYTES,
      maxPayloadBytes: DEFAULT_WYOMING_MAX_PAYLOAD_BYTES,
      ...limits,
    }
  }

  /** Bytes received and not yet part of a whole event. */
  get pending(): number {
    return this.#buffer.length
  }

  push(chunk: Buffer): WyomingEvent[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    const events: WyomingEvent[] = []
    for (;;) {
      if (this.#header === undefined) {
        const newline = this.#buffer.indexOf(0x0a)
        if (
          newline < 0
            ? this.#buffer.length > this.#limits.maxHeaderBytes
            : newline > this.#limits.maxHeaderBytes
        )
          throw new HubError(
            'E_VALIDATION',
            `a Wyoming header line is too long: more than ${this.#limits.maxHeaderBytes} bytes without a newline`,
          )
        if (newline < 0) return events
        this.#header = parseHeader(this.#buffer.subarray(0, newline), this.#limits)
        this.#buffer = this.#buffer.subarray(newline + 1)
      }
      const { type, data, dataLength, payloadLength } = this.#header
      if (this.#buffer.length < dataLength + payloadLength) return events
      const extra = dataLength > 0 ? parseJson(this.#buffer.subarray(0, dataLength), 'data') : {}
      const payload =
        payloadLength > 0 ? this.#buffer.subarray(dataLength, dataLength + payloadLength) : undefined
      this.#buffer = this.#buffer.subarray(dataLength + payloadLength)
      this.#header = undefined
      events.push({ type, data: { ...data, ...extra }, ...(payload === undefined ? {} : { payload }) })
    }
  }
}

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new HubError('E_VALIDATION', `a Wyoming ${what} block is not JSON`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new HubError('E_VALIDATION', `a Wyoming ${what} block is not a JSON object`)
  return value as Record<string, unknown>
}

function parseHeader(line: Buffer, limits: WyomingReaderLimits) {
  const header = parseJson(line, 'header')
  const length = (key: string, max: number): number => {
    const value = header[key] ?? 0
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      throw new HubError('E_VALIDATION', `Wyoming ${key} must be an integer from 0 to ${max}`)
    if (value > max)
      throw new HubError('E_RESOURCE_LIMIT', `Wyoming ${key} ${value} is over the limit of ${max} bytes`)
    return value
  }
  if (typeof header.type !== 'string') throw new HubError('E_VALIDATION', 'a Wyoming event has no type')
  const data = header.data === undefined ? {} : header.data
  if (data === null || typeof data !== 'object')
    throw new HubError('E_VALIDATION', 'Wyoming data is not an object')
  return {
    type: header.type,
    data: data as Record<string, unknown>,
    dataLength: length('data_length', limits.maxHeaderBytes),
    payloadLength: length('payload_length', limits.maxPayloadBytes),
  }
}

/** `tcp://host:port`, as Home Assistant's Wyoming integration writes it. */
export function parseWyomingUri(uri: string): { host: string; port: number } {
  const match = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d{1,5})\/?$/.exec(uri)
  const port = match === null ? 0 : Number(match[2])
  if (match === null || port < 1 || port > 65_535)
    throw new HubError('E_VALIDATION', `a Wyoming uri is tcp://host:port, got ${JSON.stringify(uri)}`)
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port }
}
