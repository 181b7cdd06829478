import type { FastifyError, FastifyInstance } from 'fastify'
import { type ErrorCode, HTTP_STATUS_BY_CODE, HubError, isErrorCode } from '../contracts/index.ts'

/** An error of a compatible API: the HTTP status, a code the client's world knows, and the field at fault. */
export class CompatError extends Error {
  readonly status: number
  readonly code: string
  readonly param: string | undefined

  constructor(status: number, code: string, message: string, param?: string) {
    super(message)
    this.name = 'CompatError'
    this.status = status
    this.code = code
    this.param = param
  }
}

/** What every error becomes before a dialect shapes it. */
export interface ErrorView {
  status: number
  /** The compatible code (`invalid_api_key`, `model_not_found`) or the hub's code (`E_TIMEOUT`). */
  code: string
  message: string
  param?: string
}

function firstIssuePath(details: unknown): string | undefined {
  const issues = (details as { issues?: Array<{ path?: unknown }> } | undefined)?.issues
  const path = issues?.[0]?.path
  return typeof path === 'string' && path !== '' ? path.replace(/^\//, '').replaceAll('/', '.') : undefined
}

/** The view of a hub error code and message with the status the hub's own routes would answer. */
export function viewOfHubCode(code: string, message: string, status?: number, details?: unknown): ErrorView {
  const known: ErrorCode = isErrorCode(code) ? code : 'E_UNKNOWN'
  // A body the hub refuses as invalid (E_VALIDATION, its 422: an unpaired surrogate, say) is a
  // malformed request to OpenAI and Ollama clients, which they expect as 400.
  const answer = known === 'E_VALIDATION' ? 400 : (status ?? HTTP_STATUS_BY_CODE[known])
  const param = firstIssuePath(details)
  return {
    status: answer,
    code: answer === 401 ? 'invalid_api_key' : code,
    message,
    ...(param === undefined ? {} : { param }),
  }
}

/** Anything thrown in a compatible route (or by Fastify before it: body limit, JSON syntax, media type). */
export function errorViewOf(error: unknown): ErrorView {
  if (error instanceof CompatError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      ...(error.param === undefined ? {} : { param: error.param }),
    }
  }
  if (error instanceof HubError) {
    const status = (error as HubError & { status?: unknown }).status
    return viewOfHubCode(
      error.code,
      error.message,
      typeof status === 'number' ? status : undefined,
      error.details,
    )
  }
  const fastify = error as Partial<FastifyError>
  const message = error instanceof Error ? error.message : String(error)
  if (fastify.statusCode === 413) return { status: 413, code: 'request_too_large', message }
  if (fastify.statusCode === 415) return { status: 415, code: 'unsupported_media_type', message }
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500)
    return { status: fastify.statusCode, code: 'invalid_request', message }
  return { status: 500, code: 'E_UNKNOWN', message }
}

/** The hub's result envelope `{ok:false,error}` as sent by its shared hooks (auth, Host, body checks). */
function envelopeView(payload: string, status: number): ErrorView | undefined {
  if (!payload.startsWith('{"ok":false')) return undefined
  try {
    const error = (
      JSON.parse(payload) as { error?: { code?: unknown; message?: unknown; details?: unknown } }
    ).error
    if (typeof error?.code !== 'string' || typeof error.message !== 'string') return undefined
    return viewOfHubCode(error.code, error.message, status, error.details)
  } catch {
    return undefined
  }
}

/**
 * Every error of the routes in `scope` leaves in the dialect's shape: thrown errors, unknown paths
 * under the scope's prefix, and the envelopes the server's shared hooks send (a wrong token is a
 * 401 the OpenAI client recognises, not the hub's envelope).
 */
export function installErrorShape(scope: FastifyInstance, shape: (view: ErrorView) => unknown): void {
  scope.setErrorHandler((error, request, reply) => {
    const view = errorViewOf(error)
    if (view.status >= 500) request.log.error({ err: error }, 'compatible request failed')
    return reply.code(view.status).type('application/json; charset=utf-8').send(shape(view))
  })
  scope.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/json; charset=utf-8')
      .send(
        shape({
          status: 404,
          code: 'not_found',
          message: `no route ${request.method} ${request.url.split('?')[0]}`,
        }),
      ),
  )
  scope.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode < 400 || typeof payload !== 'string') return payload
    const view = envelopeView(payload, reply.statusCode)
    if (view === undefined) return payload
    if (view.status !== reply.statusCode) reply.code(view.status)
    return JSON.stringify(shape(view))
  })
}
