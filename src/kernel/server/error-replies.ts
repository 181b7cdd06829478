import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import {
  type ErrorCode,
  fail,
  HTTP_STATUS_BY_CODE,
  HubError,
  type ResultError,
} from '../../contracts/index.ts'
import { schemaRefusal } from './route-validation.ts'

/** A HubError plus the HTTP status to answer with when it differs from HTTP_STATUS_BY_CODE (401, 415, 421). */
export class HttpHubError extends HubError {
  readonly status: number

  constructor(status: number, code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details === undefined ? {} : { details })
    this.status = status
  }
}

/** A result envelope's error as a throwable HubError (details kept). */
export function hubErrorOf(error: ResultError): HubError {
  return new HubError(
    error.code,
    error.message,
    error.details === undefined ? {} : { details: error.details },
  )
}

/** The status and result envelope for anything thrown inside a route. */
export function toErrorReply(error: unknown): { status: number; body: ReturnType<typeof fail> } {
  if (error instanceof HttpHubError) return { status: error.status, body: fail(error) }
  if (error instanceof HubError) return { status: HTTP_STATUS_BY_CODE[error.code], body: fail(error) }
  const status = (error as Partial<FastifyError>)?.statusCode
  const message = error instanceof Error ? error.message : String(error)
  if (status === 413) {
    return { status, body: fail(new HubError('E_RESOURCE_LIMIT', message)) }
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: fail(new HubError('E_BAD_REQUEST', message)) }
  }
  return { status: 500, body: fail(new HubError('E_UNKNOWN', message)) }
}

export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const { status, body } = toErrorReply(error)
  return reply.code(status).type('application/json; charset=utf-8').send(body)
}

/** Every error and every unknown route answers with a result envelope. */
export function installErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((thrown, request, reply) => {
    // A route schema's refusal becomes the envelope with JSON-pointer issues (route-validation.ts).
    const error = schemaRefusal(thrown, request) ?? thrown
    const { status } = toErrorReply(error)
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ code: (error as FastifyError).code, status }, (error as Error).message)
    return sendError(reply, error)
  })
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new HttpHubError(404, 'E_BAD_REQUEST', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  )
}
