import type { FastifyRequest } from 'fastify'
import { redactUrl } from './request-guard.ts'
import type { ServerLoggerOptions } from './server-options.ts'

/** Header paths pino blanks out wherever they appear in a log line. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
]

/**
 * Fastify's pino options: each request line carries `traceId` (set by the server), URLs lose their
 * `token=` values and credentials headers are redacted, so a token never reaches a log.
 */
export function loggerOptions(options: ServerLoggerOptions | false): false | Record<string, unknown> {
  if (options === false) return false
  return {
    level: options.level ?? 'info',
    ...(options.stream === undefined ? {} : { stream: options.stream }),
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    serializers: {
      req(request: FastifyRequest) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          host: request.host,
          remoteAddress: request.ip,
        }
      },
    },
  }
}
