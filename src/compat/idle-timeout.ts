import type { IncomingMessage } from 'node:http'

/**
 * Lets a request's connection stay quiet for as long as its answer takes: a turn or an MCP call may
 * wait for the person's approval, longer than the server's idle-socket timeout. The keep-alive
 * timeout still closes the connection once the answer is sent. (Injected test requests have no socket.)
 */
export function liftIdleTimeout(request: IncomingMessage): void {
  const socket = request.socket as { setTimeout?: (milliseconds: number) => unknown } | undefined
  if (typeof socket?.setTimeout === 'function') socket.setTimeout(0)
}
