import type { FastifyInstance } from 'fastify'
import {
  envelopeResponses,
  type HttpRouteSchema,
  HubError,
  ok,
  pointerJoin,
  renderValue,
  type ValidationIssue,
} from '../../contracts/index.ts'
import type { MemoryStore } from './memory-store.ts'

const FORGET_FIELDS = new Set(['sessionId', 'all'])
const FORGET_SHAPE = '{"sessionId": "…"} or {"all": true}'

function forgetIssue(path: string, expected: string, got: unknown, message: string): ValidationIssue {
  return { path, expected, got: renderValue(got), message }
}

/**
 * What POST /memory/forget should erase: one session, or everything when asked for explicitly.
 * A missing, null or mistyped body used to mean "everything" (a typo erased all memory); now any
 * body that does not say exactly one of the two is refused with the pointer to what is wrong.
 */
function parseForgetBody(body: unknown): { sessionId?: string } {
  const refuse = (issues: ValidationIssue[]): never => {
    throw new HubError('E_VALIDATION', `${issues[0]!.message}; send ${FORGET_SHAPE}`, { details: { issues } })
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return refuse([forgetIssue('', FORGET_SHAPE, body, 'the body must be a JSON object')])
  }
  const record = body as Record<string, unknown>
  const issues: ValidationIssue[] = []
  for (const key of Object.keys(record)) {
    if (!FORGET_FIELDS.has(key))
      issues.push(
        forgetIssue(
          pointerJoin('', key),
          'no such field',
          record[key],
          `unknown field ${JSON.stringify(key)}`,
        ),
      )
  }
  const { sessionId, all } = record
  if (sessionId !== undefined && (typeof sessionId !== 'string' || sessionId.length === 0)) {
    issues.push(
      forgetIssue('/sessionId', 'non-empty string', sessionId, 'sessionId must be a non-empty string'),
    )
  }
  if (all !== undefined && all !== true) {
    issues.push(forgetIssue('/all', 'true', all, 'all may only be true'))
  }
  if (issues.length === 0 && sessionId !== undefined && all !== undefined) {
    issues.push(forgetIssue('/all', 'absent when sessionId is given', all, 'give sessionId or all, not both'))
  }
  if (issues.length === 0 && sessionId === undefined && all === undefined) {
    issues.push(forgetIssue('', FORGET_SHAPE, body, 'say what to forget'))
  }
  if (issues.length > 0) refuse(issues)
  return sessionId === undefined ? {} : { sessionId: sessionId as string }
}

const LIST_SCHEMA: HttpRouteSchema = {
  summary: 'Remembered turns, newest first',
  tags: ['memory'],
  querystring: {
    type: 'object',
    properties: {
      sessionId: { type: 'string', minLength: 1 },
      limit: { type: 'integer', minimum: 1 },
      before: { type: 'string', minLength: 1 },
    },
  },
  responses: envelopeResponses({ type: 'array', items: { type: 'object', required: ['id', 'sessionId'] } }),
}

const DELETE_SCHEMA: HttpRouteSchema = {
  summary: 'Forget one memory entry',
  tags: ['memory'],
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } },
  responses: envelopeResponses({
    type: 'object',
    required: ['deleted'],
    properties: { deleted: { type: 'string' } },
  }),
}

// The one-of-two rule ({sessionId} or {all: true}, not both, not neither) stays in parseForgetBody,
// which says which half is wrong; the schema refuses wrong types and unknown fields first.
const FORGET_SCHEMA: HttpRouteSchema = {
  summary: 'Forget one session ({sessionId}) or everything ({all: true})',
  tags: ['memory'],
  body: {
    type: 'object',
    additionalProperties: false,
    properties: { sessionId: { type: 'string', minLength: 1 }, all: { const: true } },
  },
  responses: envelopeResponses({ type: 'object' }),
}

/**
 * Episodic memory under the person's control: GET /memory (newest first; sessionId, limit, before),
 * DELETE /memory/:id, POST /memory/forget ({sessionId}: one session, or {all: true}: everything).
 */
export function memoryRoutes(memory: MemoryStore) {
  return (app: FastifyInstance) => {
    app.get('/memory', { schema: LIST_SCHEMA }, async (request) => {
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
    app.delete('/memory/:id', { schema: DELETE_SCHEMA }, async (request, reply) => {
      const { id } = request.params as { id: string }
      if (!memory.delete(id)) {
        reply.code(404)
        throw new HubError('E_BAD_REQUEST', `no memory entry ${id}`)
      }
      return ok({ deleted: id })
    })
    app.post('/memory/forget', { schema: FORGET_SCHEMA }, async (request) =>
      ok(memory.forgetAll(parseForgetBody(request.body))),
    )
  }
}
