import type { FastifyInstance } from 'fastify'
import type { Bus } from '../../bus/index.ts'
import { ok } from '../../contracts/index.ts'
import { DEAD_LETTERS_SCHEMA, deadLetterActionSchema } from './hub-route-schemas.ts'

/** Most dead letters listed in one answer. */
export const MAX_DEAD_LETTER_LIST = 1000

/** Which dead letters a retry or purge names; the route's schema has refused any other body. */
type Selection = { consumer?: string; ids?: number[] }

/** GET /dlq (consumer, limit), POST /dlq/retry and POST /dlq/purge ({ids?, consumer?}; one of them required). */
export function deadLetterRoutes(bus: Bus) {
  return (app: FastifyInstance) => {
    app.get('/dlq', { schema: DEAD_LETTERS_SCHEMA }, async (request) => {
      // DEAD_LETTERS_SCHEMA has made limit a positive integer.
      const query = request.query as { consumer?: string; limit?: number }
      const limit = Math.min(MAX_DEAD_LETTER_LIST, query.limit ?? 100)
      return ok(
        await bus.dlq.list({ ...(query.consumer === undefined ? {} : { consumer: query.consumer }), limit }),
      )
    })
    for (const verb of ['retry', 'purge'] as const) {
      app.post(`/dlq/${verb}`, { schema: deadLetterActionSchema(verb) }, async (request) => {
        // The schema wants at least one of ids and consumer (minProperties with no other fields).
        return ok(await bus.dlq[verb](request.body as Selection))
      })
    }
  }
}
