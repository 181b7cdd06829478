import type { FastifyInstance } from 'fastify'
import { HubError, ok } from '../../contracts/index.ts'
import type { MemoryStore } from '../../skills/memory/index.ts'

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body))
    throw new HubError('E_BAD_REQUEST', 'the body must be a JSON object')
  return body as Record<string, unknown>
}

/**
 * Episodic memory under the person's control: GET /memory (newest first; sessionId, limit, before),
 * DELETE /memory/:id, POST /memory/forget ({sessionId?}: one session, or everything).
 */
export function memoryRoutes(memory: MemoryStore) {
  return (app: FastifyInstance) => {
    app.get('/memory', async (request) => {
      const query = request.query as Record<string, string | undefined>
      const limit = query.limit === undefined ? undefined : Number(query.limit)
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
        throw new HubError('E_BAD_REQUEST', 'limit must be a positive whole number')
      }
      return ok(
        memory.list({
          ...(query.sessionId === undefined ? {} : { sessionId: query.sessionId }),
          ...(limit === undefined ? {} : { limit }),
          ...(query.before === undefined ? {} : { before: query.before }),
        }),
      )
    })
    app.delete('/memory/:id', async (request, reply) => {
      const { id } = request.params as { id: string }
      if (!memory.delete(id)) {
        reply.code(404)
        throw new HubError('E_BAD_REQUEST', `no memory entry ${id}`)
      }
      return ok({ deleted: id })
    })
    app.post('/memory/forget', async (request) => {
      const body = objectBody(request.body)
      if (body.sessionId !== undefined && typeof body.sessionId !== 'string') {
        throw new HubError('E_BAD_REQUEST', 'sessionId must be a string')
      }
      return ok(memory.forgetAll(body.sessionId === undefined ? {} : { sessionId: body.sessionId as string }))
    })
  }
}
