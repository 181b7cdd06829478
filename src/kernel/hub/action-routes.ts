import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createApprovalsHttpApi } from '../../approvals/index.ts'
import { HubError, ok } from '../../contracts/index.ts'
import { DEFAULT_SHOW_LIMIT, MAX_SHOW_LIMIT } from '../../ledger/index.ts'
import type { HubActions } from './actions.ts'
import type { ToolService } from './tool-service.ts'

/** Decisions made through the HTTP API are recorded as the token holder. */
const HTTP_DECIDER = 'user:owner'

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body))
    throw new HubError('E_BAD_REQUEST', 'the body must be a JSON object')
  return body as Record<string, unknown>
}

function positiveInteger(value: string | undefined, name: string, fallback: number, maximum: number): number {
  if (value === undefined) return fallback
  const number = Number(value)
  if (!Number.isInteger(number) || number < 0)
    throw new HubError('E_BAD_REQUEST', `${name} must be a whole number`)
  return Math.min(number, maximum)
}

/**
 * Tools, approvals, grants and the ledger over HTTP:
 * GET /tools, POST /tools/:name {params, sessionId?, traceId?}; the approvals API of
 * src/approvals (GET /approvals, POST /approvals/:id/approve|deny|cancel, GET|POST /grants,
 * DELETE /grants/:id, POST /consent/revoke); GET /ledger (traceId, from, limit), GET /ledger/verify.
 */
export function actionRoutes(actions: HubActions, tools: ToolService) {
  const api = createApprovalsHttpApi(actions.approvals, { defaultActor: HTTP_DECIDER })
  const approvalsHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const answer = await api.handle({
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      query: request.query as Record<string, string | undefined>,
      body: request.body,
      principal: HTTP_DECIDER,
    })
    if (answer === undefined)
      throw new HubError('E_BAD_REQUEST', `${request.method} ${request.url} is not a route`)
    return reply.code(answer.statusCode).send(answer.body)
  }
  return (app: FastifyInstance) => {
    app.get('/tools', async () => ok(actions.tools.descriptors()))
    app.post('/tools/:name', async (request) => {
      const { name } = request.params as { name: string }
      const body = objectBody(request.body)
      const params = body.params ?? {}
      if (typeof params !== 'object' || params === null || Array.isArray(params)) {
        throw new HubError('E_BAD_REQUEST', 'params must be a JSON object')
      }
      for (const field of ['sessionId', 'traceId'] as const) {
        if (body[field] !== undefined && typeof body[field] !== 'string')
          throw new HubError('E_BAD_REQUEST', `${field} must be a string`)
      }
      return ok(
        await tools.request({
          tool: name,
          params: params as Record<string, unknown>,
          ...(typeof body.sessionId === 'string' ? { sessionId: body.sessionId } : {}),
          ...(typeof body.traceId === 'string' ? { traceId: body.traceId } : {}),
        }),
      )
    })
    for (const path of ['/approvals', '/approvals/*', '/grants', '/grants/*', '/consent/revoke']) {
      app.route({ method: ['GET', 'POST', 'DELETE'], url: path, handler: approvalsHandler })
    }
    app.get('/ledger', async (request) => {
      const query = request.query as Record<string, string | undefined>
      return ok(
        actions.ledger.show({
          ...(query.traceId === undefined ? {} : { traceId: query.traceId }),
          ...(query.from === undefined
            ? {}
            : { from: positiveInteger(query.from, 'from', 0, Number.MAX_SAFE_INTEGER) }),
          limit: positiveInteger(query.limit, 'limit', DEFAULT_SHOW_LIMIT, MAX_SHOW_LIMIT),
        }),
      )
    })
    app.get('/ledger/verify', async () => ok(actions.ledger.verify()))
  }
}
