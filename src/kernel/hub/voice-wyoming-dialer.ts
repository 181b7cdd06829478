import { connect, type Socket } from 'node:net'
import type { WyomingSatelliteEntry } from '../../manifest/index.ts'
import { encodeWyomingEvent } from '../../wyoming/index.ts'
import { WyomingConnection, type WyomingConnectionOptions } from './voice-wyoming-connection.ts'

/** First wait before dialling a satellite again after a failed or lost connection, in ms. */
export const DEFAULT_WYOMING_DIAL_MIN_BACKOFF_MS = 500
/** Longest wait between two dials of one satellite, in ms. */
export const DEFAULT_WYOMING_DIAL_MAX_BACKOFF_MS = 30_000
/** A dial that has not connected after this long is given up (and retried after the backoff), in ms. */
export const DEFAULT_WYOMING_DIAL_TIMEOUT_MS = 10_000
/** A connection that lasted this long counts as healthy: the next loss starts from the first wait again. */
export const DEFAULT_WYOMING_DIAL_HEALTHY_MS = 10_000

export interface WyomingDialOptions {
  /** Everything a connection needs but the socket and the source name. */
  connection: Omit<WyomingConnectionOptions, 'route' | 'sourceName'>
  minBackoffMs?: number
  maxBackoffMs?: number
  dialTimeoutMs?: number
  /** A connection that lasted this long resets the backoff, in ms. */
  healthyAfterMs?: number
  /** A dial failed or a connection was lost (for the log); the dialer tries again by itself. */
  onDisconnect?(satellite: string, reason: string, retryInMs: number): void
  onConnect?(satellite: string): void
}

export interface SatelliteDialState {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly connected: boolean
  /** Failed dials since the last connection. */
  readonly failures: number
}

/**
 * Satellites that wait to be called (wyoming-satellite's server mode, kernel.api.wyoming.satellites):
 * the hub dials each one, asks `describe` and sends `run-satellite`, after which the satellite runs
 * its pipelines over the connection exactly as one that dialled the hub (WyomingConnection). A
 * failed dial or a lost connection is retried with exponential backoff (0.5 s doubling to 30 s,
 * reset once a connection has lasted 10 s) until the hub closes.
 */
export class WyomingDialer {
  readonly #satellites: DialledSatellite[]
  #closed = false

  constructor(satellites: readonly WyomingSatelliteEntry[], options: WyomingDialOptions) {
    this.#satellites = satellites.map((entry) => new DialledSatellite(entry, options, () => this.#closed))
    for (const satellite of this.#satellites) satellite.dial()
  }

  states(): SatelliteDialState[] {
    return this.#satellites.map((satellite) => satellite.state())
  }

  close(): void {
    this.#closed = true
    for (const satellite of this.#satellites) satellite.close()
  }
}

class DialledSatellite {
  readonly #entry: WyomingSatelliteEntry
  readonly #options: WyomingDialOptions
  readonly #isClosed: () => boolean
  #socket: Socket | undefined
  #connection: WyomingConnection | undefined
  #timer: NodeJS.Timeout | undefined
  #failures = 0
  #connectedAt = 0

  constructor(entry: WyomingSatelliteEntry, options: WyomingDialOptions, isClosed: () => boolean) {
    this.#entry = entry
    this.#options = options
    this.#isClosed = isClosed
  }

  state(): SatelliteDialState {
    const { name, host, port } = this.#entry
    return { name, host, port, connected: this.#connection !== undefined, failures: this.#failures }
  }

  dial(): void {
    if (this.#isClosed()) return
    const { host, port, name } = this.#entry
    const socket = connect({ host, port })
    this.#socket = socket
    socket.setTimeout(this.#options.dialTimeoutMs ?? DEFAULT_WYOMING_DIAL_TIMEOUT_MS, () =>
      socket.destroy(new Error('the dial timed out')),
    )
    let lastError = 'the connection closed'
    socket.on('error', (error: NodeJS.ErrnoException) => {
      lastError = error.code ?? error.message
    })
    socket.once('connect', () => {
      socket.setTimeout(0)
      socket.setNoDelay(true)
      this.#connectedAt = Date.now()
      this.#connection = new WyomingConnection(socket, {
        ...this.#options.connection,
        route: `wyoming://${host.includes(':') ? `[${host}]` : host}:${port}`,
        sourceName: name,
      })
      // The satellite says what it is, then starts streaming or waiting for its wake word.
      socket.write(encodeWyomingEvent('describe', {}))
      socket.write(encodeWyomingEvent('run-satellite', {}))
      this.#options.onConnect?.(name)
    })
    socket.once('close', () => {
      const wasConnected = this.#connection !== undefined
      this.#connection?.close()
      this.#connection = undefined
      this.#socket = undefined
      if (this.#isClosed()) return
      const healthyMs = this.#options.healthyAfterMs ?? DEFAULT_WYOMING_DIAL_HEALTHY_MS
      if (wasConnected && Date.now() - this.#connectedAt >= healthyMs) this.#failures = 0
      const min = this.#options.minBackoffMs ?? DEFAULT_WYOMING_DIAL_MIN_BACKOFF_MS
      const max = this.#options.maxBackoffMs ?? DEFAULT_WYOMING_DIAL_MAX_BACKOFF_MS
      const wait = Math.min(max, min * 2 ** this.#failures)
      this.#failures++
      this.#options.onDisconnect?.(name, wasConnected ? 'the connection was lost' : lastError, wait)
      this.#timer = setTimeout(() => this.dial(), wait)
      this.#timer.unref()
    })
  }

  close(): void {
    clearTimeout(this.#timer)
    this.#connection?.close()
    this.#socket?.destroy()
  }
}
