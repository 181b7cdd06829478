// The live tail client for WS /ws/events. It remembers the last stored seq it delivered and every
// (re)connect asks for `from=<last seq + 1>`, so a pause, a dropped connection or a slow-consumer
// close (4008, "reconnect with from=N") loses no stored event and delivers none twice. Ephemeral
// events (no seq) are live only: what passes during a pause is gone, by design.
import type { Envelope } from '../../../src/contracts/index.ts'

// Method syntax makes the parameter bivariant, so the DOM's WebSocket (whose handlers take Event,
// MessageEvent, CloseEvent) fits without a cast while this module stays free of DOM types.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack']

/** The part of the browser's WebSocket the client uses (tests inject a fake). */
export interface SocketLike {
  onopen: Handler<unknown> | null
  onmessage: Handler<{ data: unknown }> | null
  onclose: Handler<{ code: number; reason: string }> | null
  onerror: Handler<unknown> | null
  close(code?: number, reason?: string): void
}

export type SocketFactory = (url: string) => SocketLike

export interface Timers {
  set(callback: () => void, ms: number): unknown
  clear(handle: unknown): void
}

export type StreamState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'paused' | 'stopped'

export interface StreamStatus {
  state: StreamState
  /** Failed connects in a row (0 while live). */
  attempt: number
  lastSeq?: number
  /** Messages that were not an event (bad JSON, no type): counted and skipped. */
  malformed: number
  /** Stored events received again after a reconnect and skipped. */
  duplicates: number
  lastClose?: { code: number; reason: string }
}

export interface StreamClientOptions {
  /** ws:// or wss:// URL of /ws/events, without from/filter. */
  url: string
  createSocket: SocketFactory
  onEvent(event: Envelope): void
  onStatus?(status: StreamStatus): void
  /** Server-side type pattern. */
  filter?: string
  /** First seq wanted on the first connect; absent means live events only. */
  fromSeq?: number
  /**
   * `federation`: every hub's events (scope=federation, decision 1642). Hubs share no seq, so
   * there is no resume by seq: each connect gets the newest events again, deduplicated by id.
   */
  scope?: 'hub' | 'federation'
  reconnectDelaysMs?: readonly number[]
  timers?: Timers
}

export const DEFAULT_RECONNECT_DELAYS_MS: readonly number[] = Object.freeze([250, 500, 1_000, 2_000, 5_000])
export const WS_CLOSE_SLOW_CONSUMER = 4008
const RESUME_REASON = /from=(\d{1,15})/
/** Event ids a federation stream remembers to drop the backlog a reconnect sends again. */
export const FEDERATION_SEEN_IDS = 20_000

const defaultTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

function parseEvent(data: unknown): Envelope | undefined {
  if (typeof data !== 'string') return undefined
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const record = value as Record<string, unknown>
  if (typeof record.type !== 'string' || record.type === '') return undefined
  if (record.seq !== undefined && (typeof record.seq !== 'number' || !Number.isSafeInteger(record.seq)))
    return undefined
  return value as Envelope
}

export class EventStreamClient {
  #options: StreamClientOptions
  #delays: readonly number[]
  #timers: Timers
  #socket: SocketLike | undefined
  #timer: unknown
  #state: StreamState = 'idle'
  #attempt = 0
  #lastSeq: number | undefined
  /** Where the next connect starts when it differs from lastSeq + 1 (first connect, 4008 hint). */
  #nextFrom: number | undefined
  #malformed = 0
  #duplicates = 0
  #lastClose: { code: number; reason: string } | undefined
  #seenIds = new Set<string>()

  constructor(options: StreamClientOptions) {
    if (!/^wss?:\/\//.test(options.url)) throw new TypeError('url must be a ws:// or wss:// URL')
    this.#options = options
    this.#delays = options.reconnectDelaysMs?.length ? options.reconnectDelaysMs : DEFAULT_RECONNECT_DELAYS_MS
    this.#timers = options.timers ?? defaultTimers
    this.#nextFrom = options.fromSeq
  }

  get lastSeq(): number | undefined {
    return this.#lastSeq
  }

  get status(): StreamStatus {
    return {
      state: this.#state,
      attempt: this.#attempt,
      ...(this.#lastSeq === undefined ? {} : { lastSeq: this.#lastSeq }),
      malformed: this.#malformed,
      duplicates: this.#duplicates,
      ...(this.#lastClose === undefined ? {} : { lastClose: this.#lastClose }),
    }
  }

  /** The URL of the next connect: from=<last seq + 1> once a stored event was seen. */
  nextUrl(): string {
    const url = new URL(this.#options.url)
    if (this.#options.scope === 'federation') {
      url.searchParams.set('scope', 'federation')
      if (this.#options.filter) url.searchParams.set('filter', this.#options.filter)
      return url.toString()
    }
    const from = this.#resumeFrom()
    if (from !== undefined) url.searchParams.set('from', String(from))
    if (this.#options.filter) url.searchParams.set('filter', this.#options.filter)
    return url.toString()
  }

  start(): void {
    if (this.#state !== 'idle' && this.#state !== 'stopped') return
    this.#connect('connecting')
  }

  /** Closes the socket; resume() picks up after the last stored event delivered. */
  pause(): void {
    if (this.#state === 'paused' || this.#state === 'stopped') return
    this.#teardown()
    this.#setState('paused')
  }

  resume(): void {
    if (this.#state !== 'paused') return
    this.#connect('connecting')
  }

  stop(): void {
    this.#teardown()
    this.#setState('stopped')
  }

  #resumeFrom(): number | undefined {
    const afterLast = this.#lastSeq === undefined ? undefined : this.#lastSeq + 1
    if (this.#nextFrom === undefined) return afterLast
    return afterLast === undefined ? this.#nextFrom : Math.min(afterLast, this.#nextFrom)
  }

  #teardown(): void {
    if (this.#timer !== undefined) this.#timers.clear(this.#timer)
    this.#timer = undefined
    const socket = this.#socket
    this.#socket = undefined
    if (socket !== undefined) {
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null
      try {
        socket.close(1000, 'client closed')
      } catch {
        // Closing a socket that never opened may throw in some browsers; it is gone either way.
      }
    }
  }

  #connect(state: StreamState): void {
    this.#timer = undefined
    this.#setState(state)
    let socket: SocketLike
    try {
      socket = this.#options.createSocket(this.nextUrl())
    } catch (error) {
      this.#lastClose = { code: 0, reason: String((error as Error)?.message ?? error).slice(0, 200) }
      this.#scheduleReconnect(false)
      return
    }
    this.#socket = socket
    socket.onopen = () => {
      if (this.#socket !== socket) return
      this.#attempt = 0
      this.#setState('live')
    }
    socket.onmessage = (message) => {
      if (this.#socket !== socket) return
      this.#receive(message.data)
    }
    socket.onerror = () => {
      // A close event always follows; reconnecting happens there.
    }
    socket.onclose = (event) => {
      if (this.#socket !== socket) return
      this.#socket = undefined
      this.#lastClose = { code: event.code, reason: String(event.reason ?? '').slice(0, 200) }
      const hinted = event.code === WS_CLOSE_SLOW_CONSUMER ? RESUME_REASON.exec(event.reason ?? '') : null
      if (hinted !== null) this.#nextFrom = Number(hinted[1])
      this.#scheduleReconnect(hinted !== null)
    }
  }

  #receive(data: unknown): void {
    const event = parseEvent(data)
    if (event === undefined) {
      this.#malformed++
      return
    }
    if (this.#options.scope === 'federation') {
      const id = (event as { id?: unknown }).id
      if (typeof id === 'string') {
        if (this.#seenIds.has(id)) {
          this.#duplicates++
          return
        }
        this.#seenIds.add(id)
        // Oldest first out: a Set iterates in insertion order.
        if (this.#seenIds.size > FEDERATION_SEEN_IDS)
          this.#seenIds.delete(this.#seenIds.values().next().value!)
      }
      this.#options.onEvent(event)
      return
    }
    if (typeof event.seq === 'number') {
      // The start point asked for has been reached; from now on lastSeq alone says where to resume.
      if (this.#nextFrom !== undefined && event.seq >= this.#nextFrom) this.#nextFrom = undefined
      if (this.#lastSeq !== undefined && event.seq <= this.#lastSeq) {
        this.#duplicates++
        return
      }
      this.#lastSeq = event.seq
    }
    this.#options.onEvent(event)
  }

  #scheduleReconnect(immediately: boolean): void {
    const delay = immediately ? 0 : this.#delays[Math.min(this.#attempt, this.#delays.length - 1)]!
    this.#attempt++
    this.#setState('reconnecting')
    this.#timer = this.#timers.set(() => this.#connect('reconnecting'), delay)
  }

  #setState(state: StreamState): void {
    this.#state = state
    this.#options.onStatus?.(this.status)
  }
}
