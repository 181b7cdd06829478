// The approval routes as one framework-free handler, so the kernel only mounts it (GET /approvals,
// POST /approvals/:id/approve|deny|cancel, GET|POST /grants, DELETE /grants/:id, POST /consent/revoke).
// Bodies and answers are described in docs/approvals.md.
import { fail, HTTP_STATUS_BY_CODE, HubError, ok, type Result } from '../contracts/index.ts'
import type { ApprovalService, ListQuery } from './approval-service.ts'
import type { GrantInput } from './approval-types.ts'

export const DEFAULT_HTTP_ACTOR = 'user:owner'

/**
 * The service checks `limit` and `status` of GET /approvals; its refusal gets the parameter named
 * as every other query refusal has it (details.in, details.parameter; decision 2084).
 */
function nameParameter(error: unknown, query: Readonly<Record<string, string | undefined>>): never {
  if (!(error instanceof HubError) || error.code !== 'E_BAD_REQUEST') throw error
  const parameter = ['limit', 'status'].find((name) => error.message.startsWith(`${name} `))
  if (parameter === undefined) throw error
  throw new HubError('E_BAD_REQUEST', `query parameter "${parameter}": ${error.message}`, {
    details: {
      in: 'querystring',
      parameter,
      issues: [
        {
          path: `/${parameter}`,
          expected: error.message.slice(parameter.length + 1),
          got: JSON.stringify(query[parameter] ?? null),
          message: error.message,
        },
      ],
    },
  })
}

export interface ApprovalsHttpRequest {
  method: string
  /** The URL path without query, e.g. /approvals/ap_1/approve. */
  path: string
  query?: Readonly<Record<string, string | undefined>>
  body?: unknown
  /** Who the server authenticated; decisions are recorded under this name, not one from the body. */
  principal?: string
}

export interface ApprovalsHttpReply {
  statusCode: number
  body: Result<unknown>
}

export interface ApprovalsHttpApi {
  /** The answer, or undefined when the path is not one of these routes. */
  handle(request: ApprovalsHttpRequest): Promise<ApprovalsHttpReply | undefined>
}

const ROUTES = /^\/(approvals|grants|consent\/revoke)(?:\/([^/]+))?(?:\/(approve|deny|cancel))?\/?$/

function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {}
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new HubError('E_BAD_REQUEST', 'the body must be a JSON object')
  }
  return body as Record<string, unknown>
}

function optionalString(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new HubError('E_BAD_REQUEST', `${field} must be a string`)
  return value
}

function decodeId(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new HubError('E_BAD_REQUEST', 'the id in the path is not valid percent-encoding')
  }
}

export function createApprovalsHttpApi(
  service: ApprovalService,
  options: { defaultActor?: string } = {},
): ApprovalsHttpApi {
  const defaultActor = options.defaultActor ?? DEFAULT_HTTP_ACTOR

  async function route(request: ApprovalsHttpRequest, match: RegExpExecArray): Promise<unknown> {
    const [, collection, rawId, verb] = match
    const id = rawId === undefined ? undefined : decodeId(rawId)
    const method = request.method.toUpperCase()
    const query = request.query ?? {}
    const by = request.principal ?? defaultActor
    if (collection === 'approvals') {
      if (method === 'GET' && id === undefined) {
        const limit = query.limit === undefined ? undefined : Number(query.limit)
        const list: ListQuery = {
          ...(query.status === undefined ? {} : { status: query.status as ListQuery['status'] }),
          ...(limit === undefined ? {} : { limit }),
        }
        return { approvals: await service.list(list).catch((error) => nameParameter(error, query)) }
      }
      if (method === 'GET' && id !== undefined && verb === undefined)
        return { approval: await service.get(id) }
      if (method === 'POST' && id !== undefined && verb !== undefined) {
        const body = bodyObject(request.body)
        const reason = optionalString(body, 'reason')
        const decision = { by, ...(reason === undefined ? {} : { reason }) }
        if (verb === 'approve') {
          const confirmationToken = optionalString(body, 'confirmationToken')
          return service.approve(id, {
            ...decision,
            ...(confirmationToken === undefined ? {} : { confirmationToken }),
          })
        }
        if (verb === 'deny') return { approval: await service.deny(id, decision) }
        return { approval: await service.cancel(id, decision) }
      }
    } else if (collection === 'grants' && verb === undefined) {
      if (method === 'GET' && id === undefined) {
        return {
          grants: service.listGrants({
            all: query.all === 'true' || query.all === '1',
            ...(query.sessionId === undefined ? {} : { sessionId: query.sessionId }),
          }),
        }
      }
      if (method === 'POST' && id === undefined) {
        const body = bodyObject(request.body)
        return service.createGrant({ ...(body as unknown as GrantInput), by })
      }
      if (method === 'DELETE' && id !== undefined) {
        const reason = optionalString(bodyObject(request.body), 'reason') ?? query.reason
        return service.revokeGrant(id, { by, ...(reason === undefined ? {} : { reason }) })
      }
    } else if (
      collection === 'consent/revoke' &&
      id === undefined &&
      verb === undefined &&
      method === 'POST'
    ) {
      const body = bodyObject(request.body)
      return service.revokeConsent({
        requestId: body.requestId as string,
        receiptId: body.receiptId as string,
        scope: body.scope as 'once',
        by,
        ...(optionalString(body, 'reason') === undefined ? {} : { reason: body.reason as string }),
        ...(optionalString(body, 'sessionId') === undefined ? {} : { sessionId: body.sessionId as string }),
      })
    }
    throw new HubError('E_BAD_REQUEST', `${method} ${request.path} is not an approvals route`)
  }

  return {
    async handle(request) {
      const match = ROUTES.exec(request.path)
      if (match === null) return undefined
      try {
        return { statusCode: 200, body: ok(await route(request, match)) }
      } catch (error) {
        const failure = fail(error)
        return { statusCode: HTTP_STATUS_BY_CODE[failure.error.code], body: failure }
      }
    },
  }
}
