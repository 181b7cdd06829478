import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { assertNoLoneSurrogate } from '../../contracts/index.ts'

/**
 * Refuses parsed request bodies holding unpaired UTF-16 surrogates (JSON's `"\ud800"`) with
 * 422 E_VALIDATION and the JSON pointer, before any route sees them: further in, guardrails,
 * canonical JSON and SQLite cannot handle them (decision 1342). Raw bodies (Buffers, and the
 * request stream POST /events reads NDJSON from) are left to the route that parses them. URLs and headers cannot carry surrogates.
 */
export function installWellFormedTextCheck(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const body = request.body
    if (body === undefined || body === null || Buffer.isBuffer(body) || ArrayBuffer.isView(body)) return
    if (body instanceof Readable) return
    assertNoLoneSurrogate(body, 'the body')
  })
}
