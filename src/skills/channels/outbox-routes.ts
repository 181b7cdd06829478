import type { FastifyInstance } from 'fastify'
import { envelopeResponses, type HttpRouteSchema, HubError, ok } from '../../contracts/index.ts'
import { createDialectConverter, DIALECTS, isDialectName } from '../../dialects/index.ts'
import { DEFAULT_OUTBOX_PAGE_SIZE, type ReplyOutbox } from './reply-outbox.ts'

/** Largest page a gateway may ask for. */
const MAX_OUTBOX_PAGE_SIZE = 1_000

const PENDING_SCHEMA: HttpRouteSchema = {
  summary: 'Replies not yet acknowledged by a channel gateway, oldest first',
  tags: ['channels'],
  querystring: {
    type: 'object',
    properties: {
      dialect: { enum: [...DIALECTS], description: 'canonical (default) or a dialect the hub speaks' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_OUTBOX_PAGE_SIZE },
    },
  },
  responses: envelopeResponses({
    type: 'array',
    items: { type: 'object', required: ['responseId', 'event'] },
  }),
}

const ACK_SCHEMA: HttpRouteSchema = {
  summary: 'A gateway delivered a reply',
  tags: ['channels'],
  params: {
    type: 'object',
    required: ['responseId'],
    properties: { responseId: { type: 'string', minLength: 1 } },
  },
  responses: envelopeResponses({ type: 'object', required: ['acknowledged'] }),
}

/**
 * GET /channels/outbox (`?dialect=pinchy`, `?limit=N`): replies not yet acknowledged, with their
 * words, oldest first. POST /channels/outbox/:responseId/ack: the gateway delivered it.
 */
export function outboxRoutes(outbox: ReplyOutbox) {
  const converter = createDialectConverter()
  return (app: FastifyInstance) => {
    app.get('/channels/outbox', { schema: PENDING_SCHEMA }, async (request) => {
      const query = request.query as { dialect?: string; limit?: string }
      const dialect = query.dialect ?? 'canonical'
      if (!isDialectName(dialect))
        throw new HubError('E_VALIDATION', `dialect ${dialect} is not one the hub speaks`)
      const limit = query.limit === undefined ? DEFAULT_OUTBOX_PAGE_SIZE : Number(query.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_OUTBOX_PAGE_SIZE)
        throw new HubError('E_VALIDATION', `limit must be a whole number from 1 to ${MAX_OUTBOX_PAGE_SIZE}`)
      return ok(
        outbox.pending(limit).map((reply) => ({
          responseId: reply.responseId,
          published: reply.published,
          event: dialect === 'canonical' ? reply.envelope : converter.fromCanonical(dialect, reply.envelope),
        })),
      )
    })
    app.post('/channels/outbox/:responseId/ack', { schema: ACK_SCHEMA }, async (request) => {
      const { responseId } = request.params as { responseId: string }
      if (!outbox.acknowledge(responseId))
        throw new HubError('E_BAD_REQUEST', `no reply ${responseId} waiting in the outbox`)
      return ok({ acknowledged: responseId })
    })
  }
}
