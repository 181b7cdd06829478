import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createApprovalsHttpApi } from '../../approvals/index.ts'
import { HubError, ok } from '../../contracts/index.ts'
import { DEFAULT_SHOW_LIMIT, MAX_SHOW_LIMIT } from '../../ledger/index.ts'
import type { HubActions } from './actions.ts'
import {
  approvalsSchema,
  CALL_TOOL_SCHEMA,
  LEDGER_SCHEMA,
  LEDGER_VERIFY_SCHEMA,
  TOOLS_SCHEMA,
} from './hub-route-schemas.ts'
import type { ToolService } from './tool-service.ts'

/** Decisions made through the HTTP API are recorded as the token holder. */
const HTTP_DECIDER = 'user:owner'

/** POST /tools/:name's body (optional); CALL_TOOL_SCHEMA has refused any other (decision 1910). */
type ToolCallBody = { params?: Record<string, unknown>; sessionId?: string; traceId?: string }

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
    app.get('/tools', { schema: TOOLS_SCHEMA }, async () => ok(actions.tools.descriptors()))
    app.post('/tools/:name', { schema: CALL_TOOL_SCHEMA }, async (request) => {
      const { name } = request.params as { name: string }
      const body = (request.body ?? {}) as ToolCallBody
      return ok(
        await tools.request({
          tool: name,
          params: body.params ?? {},
          ...(body.sessionId === undefined ? {} : { sessionId: body.sessionId }),
          ...(body.traceId === undefined ? {} : { traceId: body.traceId }),
        }),
      )
    })
    for (const path of ['/approvals', '/approvals/*', '/grants', '/grants/*', '/consent/revoke']) {
      app.route({
        method: ['GET', 'POST', 'DELETE'],
        url: path,
        schema: approvalsSchema(
          path.startsWith('/approvals') ? 'approvals' : path.startsWith('/grants') ? 'grants' : 'consent',
        ),
        handler: approvalsHandler,
      })
    }
    app.get('/ledger', { schema: LEDGER_SCHEMA }, async (request) => {
      // LEDGER_SCHEMA has made from and limit whole numbers; a larger limit is capped, as before.
      const query = request.query as { traceId?: string; from?: number; limit?: number }
      return ok(
        actions.ledger.show({
          ...(query.traceId === undefined ? {} : { traceId: query.traceId }),
          ...(query.from === undefined ? {} : { from: query.from }),
          limit: Math.min(query.limit ?? DEFAULT_SHOW_LIMIT, MAX_SHOW_LIMIT),
        }),
      )
    })
    app.get('/ledger/verify', { schema: LEDGER_VERIFY_SCHEMA }, async () => ok(actions.ledger.verify()))
  }
}
