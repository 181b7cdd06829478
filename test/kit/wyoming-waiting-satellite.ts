// A Wyoming satellite that waits to be called (the protocol's satellite in server mode): it listens
// on a loopback port, and each connection the hub opens becomes a WyomingSatellite that answers
// `describe` with `info` and `ping` with `pong`, and starts streaming when told `run-satellite`.
import { createServer, type Server, type Socket } from 'node:net'
import { WyomingSatellite } from './wyoming-satellite.ts'

export class WaitingSatellite {
  /** Every connection the hub made, in order. */
  readonly connections: WyomingSatellite[] = []
  readonly #sockets = new Set<Socket>()
  readonly #waiters = new Set<() => void>()

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on `port` (0: a free one) of 127.0.0.1. */
  static async listen(port = 0): Promise<WaitingSatellite> {
    let accept: (socket: Socket) => void = (socket) => socket.destroy()
    const server = createServer((socket) => accept(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    const satellite = new WaitingSatellite(server, (server.address() as { port: number }).port)
    accept = (socket) => satellite.#accept(socket)
    return satellite
  }

  /** Resolves with connection number `index` (0-based) once the hub has made it. */
  connection(index: number, timeoutMs = 30_000): Promise<WyomingSatellite> {
    const found = this.connections[index]
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`the hub made ${this.connections.length} connection(s), not ${index + 1}`))
      }, timeoutMs)
      const waiter = () => {
        const connection = this.connections[index]
        if (connection === undefined) return
        clearTimeout(timer)
        this.#waiters.delete(waiter)
        resolve(connection)
      }
      this.#waiters.add(waiter)
    })
  }

  /** Stops listening and drops every connection (the satellite was switched off). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket)
    socket.on('close', () => this.#sockets.delete(socket))
    const satellite = WyomingSatellite.adopt(socket)
    let answered = 0
    // Answers the hub's describe and ping as a satellite does.
    socket.on('data', () => {
      for (const event of satellite.received.slice(answered)) {
        if (event.type === 'describe')
          satellite.send('info', { satellite: { name: 'test-satellite', area: 'desk', has_vad: false } })
        if (event.type === 'ping') satellite.send('pong', {})
      }
      answered = satellite.received.length
    })
    this.connections.push(satellite)
    for (const waiter of [...this.#waiters]) waiter()
  }
}
