import type { FastifyReply, FastifyRequest } from 'fastify'
import { HttpHubError, sendError } from './error-replies.ts'

/**
 * A plain GET on a WebSocket route answers 426 with the error envelope (and `upgrade: websocket`),
 * so a client that forgot the upgrade learns why instead of meeting a hanging request.
 * Returns the reply when it was refused, undefined when the request is an upgrade.
 */
export function refuseWithoutUpgrade(
  request: FastifyRequest,
  reply: FastifyReply,
  route: string,
): FastifyReply | undefined {
  if (request.ws) return undefined
  reply.header('upgrade', 'websocket')
  return sendError(reply, new HttpHubError(426, 'E_BAD_REQUEST', `GET ${route} needs a WebSocket upgrade`))
}
