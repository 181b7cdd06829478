import type { FastifyInstance } from 'fastify'
import type { Bus } from '../../bus/index.ts'
import { HubError, ok } from '../../contracts/index.ts'

/** Most dead letters listed in one answer. */
export const MAX_DEAD_LETTER_LIST = 1000

function selection(source: unknown): { consumer?: string; ids?: number[]; limit?: number } {
  const record = (source ?? {}) as Record<string, unknown>
  if (typeof record !== 'object' || Array.isArray(record))
    throw new HubError('E_BAD_REQUEST', 'the body must be a JSON object')
  const ids = record.ids === undefined ? undefined : record.ids
  if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => Number.isInteger(id) && id > 0))) {
    throw new HubError('E_BAD_REQUEST', 'ids must be a list of dead-letter ids (positive whole numbers)')
  }
  if (record.consumer !== undefined && typeof record.consumer !== 'string') {
    throw new HubError('E_BAD_REQUEST', 'consumer must be a string')
  }
  return {
    ...(typeof record.consumer === 'string' ? { consumer: record.consumer } : {}),
    ...(ids === undefined ? {} : { ids: ids as number[] }),
  }
}

/** GET /dlq (consumer, limit), POST /dlq/retry and POST /dlq/purge ({ids?, consumer?}; one of them required). */
export function deadLetterRoutes(bus: Bus) {
  return (app: FastifyInstance) => {
    app.get('/dlq', async (request) => {
      const query = request.query as Record<string, string | undefined>
      const limit = Math.min(MAX_DEAD_LETTER_LIST, query.limit === undefined ? 100 : Number(query.limit))
      if (!(Number.isInteger(limit) && limit > 0))
        throw new HubError('E_BAD_REQUEST', 'limit must be a positive whole number')
      return ok(
        await bus.dlq.list({ ...(query.consumer === undefined ? {} : { consumer: query.consumer }), limit }),
      )
    })
    for (const verb of ['retry', 'purge'] as const) {
      app.post(`/dlq/${verb}`, async (request) => {
        const chosen = selection(request.body)
        if (chosen.ids === undefined && chosen.consumer === undefined) {
          throw new HubError('E_BAD_REQUEST', `say which dead letters to ${verb}: ids and/or consumer`)
        }
        return ok(await bus.dlq[verb](chosen))
      })
    }
  }
}
