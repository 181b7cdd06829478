import type { FastifyReply } from 'fastify'

/**
 * A signal that aborts when the client goes away before its answer is finished. It listens on the
 * response's 'close', not the request's: a request's 'close' also fires once its body has been
 * read, which, with the hub's synchronous hooks, is after the handler has started (decision 2066).
 * A response closes without finishing only when the connection went first. The reason is made only
 * then (an error's stack is not worth building for every request).
 */
export function abortWhenClientLeaves(reply: FastifyReply, reasonOf?: () => unknown): AbortSignal {
  const controller = new AbortController()
  const response = reply.raw
  response.on('close', () => {
    if (!response.writableFinished) controller.abort(reasonOf?.())
  })
  return controller.signal
}
