import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * The server's sockets and how many answers each is giving. Node's own `closeIdleConnections`
 * (fastify's `forceCloseConnections: 'idle'`) skips a socket whose request has begun but whose
 * headers never completed, so `server.close()` waited for the headers timeout (or the shutdown
 * grace) for each one (decision 1633). A socket counts as busy from its `request` (or `upgrade`)
 * until that answer closes; anything else is idle and is cut at once when the server closes.
 */
export interface OpenConnections {
  /** From now on: idle sockets are destroyed now, new ones at once, busy ones when their answer ends. */
  closing(): void
  readonly size: number
}

/** An upgraded socket belongs to the WebSocket server from then on: never idle here. */
const UPGRADED = Number.POSITIVE_INFINITY

export function trackConnections(server: Server): OpenConnections {
  const answering = new Map<Duplex, number>()
  let closing = false

  const release = (socket: Duplex) => {
    const count = answering.get(socket)
    if (count === undefined || count === UPGRADED) return
    answering.set(socket, Math.max(0, count - 1))
    // The answer's last bytes may still sit in the socket's buffer: end, then cut.
    if (closing && count - 1 <= 0) socket.end(() => socket.destroy())
  }

  server.on('connection', (socket: Duplex) => {
    if (closing) {
      socket.destroy()
      return
    }
    answering.set(socket, 0)
    socket.once('close', () => answering.delete(socket))
  })
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket
    answering.set(socket, (answering.get(socket) ?? 0) + 1)
    response.once('close', () => release(socket))
  })
  server.on('upgrade', (request: IncomingMessage) => {
    answering.set(request.socket, UPGRADED)
  })

  return {
    closing() {
      closing = true
      for (const [socket, count] of answering) if (count === 0) socket.destroy()
    },
    get size() {
      return answering.size
    },
  }
}
