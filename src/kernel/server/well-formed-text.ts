import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { assertNoLoneSurrogate } from '../../contracts/index.ts'

/**
 * Refuses parsed request bodies holding unpaired UTF-16 surrogates (JSON's `"\ud800"`) with
 * 422 E_VALIDATION and the JSON pointer, before any route sees them: further in, guardrails,
 * canonical JSON and SQLite cannot handle them (decision 1342). Raw bodies (Buffers, and the
 * request stream POST /events reads NDJSON from) are left to the route that parses them. URLs and headers cannot carry surrogates.
 */
export function installWellFormedTextCheck(app: FastifyInstance): void {
  app.addHook('preHandler', checkBody)
}

// A callback hook, not an async one: no promise and no `then` per request (decision 2066). The
// route then starts in the tick its body ended, before the request's 'close': routes that abort on
// a disconnect listen on the response's 'close' (src/compat/client-gone.ts, POST /chat).
function checkBody(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const body = request.body
  const raw =
    body === undefined ||
    body === null ||
    Buffer.isBuffer(body) ||
    ArrayBuffer.isView(body) ||
    body instanceof Readable
  if (!raw) {
    try {
      assertNoLoneSurrogate(body, 'the body')
    } catch (error) {
      done(error as Error)
      return
    }
  }
  done()
}
