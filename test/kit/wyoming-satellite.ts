// A Wyoming satellite (microphone and speaker on another device) written from the protocol's
// published description: each event is one JSON header line {type, data?, data_length?,
// payload_length?}, then data_length bytes of JSON data, then payload_length bytes of payload.
// It connects to a Wyoming server, sends events and collects what the server sends back.
import { connect, type Socket } from 'node:net'
import { encodeWyomingEvent, type WyomingEvent, WyomingReader } from '../../src/wyoming/index.ts'

/** How long a satellite test waits for an event unless told otherwise. */
export const DEFAULT_SATELLITE_EVENT_TIMEOUT_MS = 30_000

export class WyomingSatellite {
  readonly received: WyomingEvent[] = []
  readonly #reader = new WyomingReader()
  readonly #waiters = new Set<() => boolean>()
  closed = false

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(...this.#reader.push(chunk))
      this.#wake()
    })
    socket.on('close', () => {
      this.closed = true
      this.#wake()
    })
    socket.on('error', () => undefined)
  }

  /** A satellite on a socket the server opened (a satellite that waits to be called). */
  static adopt(socket: Socket): WyomingSatellite {
    return new WyomingSatellite(socket)
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<WyomingSatellite> {
    const socket = connect(port, host)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    return new WyomingSatellite(socket)
  }

  /** One event, framed as the description says (data in the data block). */
  send(type: string, data: Record<string, unknown> = {}, payload?: Buffer): void {
    this.socket.write(encodeWyomingEvent(type, data, payload))
  }

  /** Bytes as they are, for malformed input. */
  sendRaw(bytes: Buffer | string): void {
    this.socket.write(bytes)
  }

  /** Streams 16-bit mono audio: audio-start (unless told not to), audio-chunks of `chunkMs`, audio-stop (unless told not to). */
  async stream(
    audio: { sampleRate: number; pcm: Buffer },
    options: { chunkMs?: number; start?: boolean; stop?: boolean; realTime?: boolean } = {},
  ): Promise<void> {
    const format = { rate: audio.sampleRate, width: 2, channels: 1 }
    const chunkMs = options.chunkMs ?? 100
    const chunkBytes = Math.round((audio.sampleRate * chunkMs) / 1000) * 2
    if (options.start !== false) this.send('audio-start', { ...format, timestamp: 0 })
    const started = performance.now()
    let count = 0
    for (let offset = 0; offset < audio.pcm.length; offset += chunkBytes) {
      this.send(
        'audio-chunk',
        { ...format, timestamp: count * chunkMs },
        audio.pcm.subarray(offset, offset + chunkBytes),
      )
      count++
      if (options.realTime === true) {
        const wait = started + count * chunkMs - performance.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      }
    }
    if (options.stop !== false) this.send('audio-stop', { timestamp: count * chunkMs })
  }

  /** The first event (received or future) after index `from` that matches. */
  next(
    predicate: (event: WyomingEvent) => boolean,
    what: string,
    from = 0,
    timeoutMs = DEFAULT_SATELLITE_EVENT_TIMEOUT_MS,
  ): Promise<WyomingEvent> {
    const find = () => this.received.slice(from).find(predicate)
    const found = find()
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const waiter = () => {
        const event = find()
        if (event === undefined && !this.closed) return false
        clearTimeout(timer)
        if (event === undefined)
          reject(new Error(`the server closed the connection before ${what}${this.#seen()}`))
        else resolve(event)
        return true
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`timed out waiting for ${what}${this.#seen()}`))
      }, timeoutMs)
      this.#waiters.add(waiter)
    })
  }

  /** Resolves when the server has closed the connection. */
  whenClosed(timeoutMs = DEFAULT_SATELLITE_EVENT_TIMEOUT_MS): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the server kept the connection open${this.#seen()}`)),
        timeoutMs,
      )
      this.socket.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** The payloads of the audio-chunks between the audio-start at or after `from` and its audio-stop. */
  audioAfter(from: number): { rate: number; pcm: Buffer } | undefined {
    const events = this.received.slice(from)
    const start = events.findIndex((event) => event.type === 'audio-start')
    const stop = events.findIndex((event, index) => index > start && event.type === 'audio-stop')
    if (start < 0 || stop < 0) return undefined
    const chunks = events.slice(start + 1, stop).filter((event) => event.type === 'audio-chunk')
    return {
      rate: Number(events[start]!.data.rate),
      pcm: Buffer.concat(chunks.map((event) => event.payload ?? Buffer.alloc(0))),
    }
  }

  close(): void {
    this.socket.destroy()
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) if (waiter()) this.#waiters.delete(waiter)
  }

  #seen(): string {
    const types = this.received.map((event) => event.type).join(', ')
    return ` (seen: ${types || 'nothing'})`
  }
}
