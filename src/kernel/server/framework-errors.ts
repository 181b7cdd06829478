import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { fail, HubError } from '../../contracts/index.ts'
import { HttpHubError, sendError } from './error-replies.ts'

// What Fastify and Node answer by themselves, before any route or hook, in the hub's envelope
// instead of their own `{"error":"Bad Request","message":"Client Error"}` (decision 2072): a path
// whose escapes do not decode, a path parameter over the router's limit, a request line or headers
// over Node's limit (a 1 MB query string), bytes that are not HTTP, a request that took too long.

/** Characters of a refused path repeated back in an answer. */
const MAX_ECHO_CHARS = 80

/** The first path segment whose escapes do not decode, as sent. */
function badSegment(path: string): string | undefined {
  for (const segment of path.split('?')[0]!.split('/')) {
    try {
      decodeURIComponent(segment)
    } catch {
      return segment.slice(0, MAX_ECHO_CHARS)
    }
  }
  return undefined
}

/** The envelope for a framework error, with its status. */
export function frameworkRefusal(error: FastifyError, url: string, maxParamLength: number): HubError {
  if (error.code === 'FST_ERR_BAD_URL') {
    const segment = badSegment(url)
    return new HttpHubError(
      400,
      'E_BAD_REQUEST',
      'the path has a percent-escape that does not decode to UTF-8 text',
      {
        in: 'path',
        ...(segment === undefined ? {} : { segment }),
      },
    )
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new HttpHubError(
      414,
      'E_RESOURCE_LIMIT',
      `a path parameter is over ${maxParamLength} characters`,
      {
        in: 'params',
        limit: maxParamLength,
      },
    )
  }
  return new HttpHubError(error.statusCode ?? 500, 'E_UNKNOWN', error.message)
}

/** Fastify's `frameworkErrors` option: the envelope, with the trace id every answer carries. */
export function frameworkErrorReply(maxParamLength: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    reply.header('x-trace-id', request.id)
    sendError(reply, frameworkRefusal(error, request.raw.url ?? '', maxParamLength))
  }
}

function clientErrorOf(
  code: string | undefined,
  headerLimitBytes: number,
): { status: number; error: HubError } {
  if (code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      error: new HubError(
        'E_RESOURCE_LIMIT',
        `the request line and headers are over ${headerLimitBytes} bytes (a query string counts)`,
      ),
    }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, error: new HubError('E_TIMEOUT', 'the request did not arrive in time') }
  return {
    status: 400,
    error: new HubError(
      'E_BAD_REQUEST',
      'the request is not valid HTTP/1.1 (raw bytes outside ASCII in the URL?)',
      {
        details: { reason: code ?? 'unknown' },
      },
    ),
  }
}

/**
 * Fastify's `clientErrorHandler` (Node's 'clientError'): no request exists yet, so the answer is
 * written on the socket by hand, as Node and Fastify do, then the socket is closed.
 */
export function clientErrorReply(headerLimitBytes: number) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const { status, error: hubError } = clientErrorOf(error.code, headerLimitBytes)
    const body = JSON.stringify(fail(hubError))
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
      )
    }
    socket.destroy(error)
  }
}
