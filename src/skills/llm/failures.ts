// Turns what goes wrong talking to an LLM server into HubErrors that say what to do about it.
// `details.retryable` marks failures that may be retried while no token has been delivered yet.
import { HubError } from '../../contracts/index.ts'
import { excerpt } from './ndjson-parser.ts'

/** Who we were talking to, for messages: "Ollama at http://127.0.0.1:11434". */
export interface ServiceTarget {
  /** 'Ollama' or 'OpenAI-compatible server'. */
  service: string
  url: string
  /** What to do when it is not there, e.g. "start it with `ollama serve`". */
  startHint: string
  /** Extra hint for a rejected API key, e.g. "set OPENAI_API_KEY". */
  authHint?: string
  /** Extra hint for an unknown model. */
  modelHint?: (model: string) => string
}

const NOT_RUNNING_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
const DISCONNECT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE'])

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** A socket-level failure (refused, reset, unreachable) as a HubError. */
export function networkFailure(error: unknown, target: ServiceTarget): HubError {
  if (error instanceof HubError) return error
  const code = errorCode(error)
  const where = `${target.service} at ${target.url}`
  if (code !== undefined && NOT_RUNNING_CODES.has(code)) {
    const why = code === 'ECONNREFUSED' ? 'connection refused' : `${code}: host not reachable`
    return new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `${where} is not reachable (${why}); ${target.startHint}`,
      {
        details: { url: target.url, reason: 'unreachable', errno: code, retryable: false },
        cause: error,
      },
    )
  }
  if (code === 'ETIMEDOUT') {
    return new HubError('E_TIMEOUT', `${where} did not answer in time (${code})`, {
      details: { url: target.url, reason: 'timeout', errno: code, retryable: false },
      cause: error,
    })
  }
  if ((code !== undefined && DISCONNECT_CODES.has(code)) || (error as Error)?.message === 'aborted') {
    return disconnected(target, error)
  }
  const message = error instanceof Error ? error.message : String(error)
  return new HubError('E_IO', `talking to ${where} failed: ${message}`, {
    details: { url: target.url, reason: 'io', errno: code ?? null, retryable: false },
    cause: error,
  })
}

/** The server closed the connection before the answer was complete. */
export function disconnected(target: ServiceTarget, cause?: unknown): HubError {
  return new HubError(
    'E_DEPENDENCY_UNAVAILABLE',
    `${target.service} at ${target.url} closed the connection before the answer was complete`,
    { details: { url: target.url, reason: 'disconnect', retryable: true }, cause },
  )
}

/** The body ended cleanly but without the final `done` / `[DONE]` marker: a truncated answer. */
export function truncated(target: ServiceTarget): HubError {
  return new HubError(
    'E_DEPENDENCY_UNAVAILABLE',
    `${target.service} at ${target.url} ended the stream without a final message (truncated answer)`,
    { details: { url: target.url, reason: 'truncated', retryable: true } },
  )
}

/** An error object the server sent inside a 200 stream. */
export function streamError(target: ServiceTarget, message: string, serverCode?: string): HubError {
  return new HubError(
    'E_DEPENDENCY_UNAVAILABLE',
    `${target.service} reported an error mid-stream: ${message}`,
    {
      details: {
        url: target.url,
        reason: 'stream-error',
        serverMessage: message,
        serverCode,
        retryable: false,
      },
    },
  )
}

/** The server answered something this client cannot read. */
export function protocolError(target: ServiceTarget, what: string): HubError {
  return new HubError('E_IO', `${target.service} at ${target.url} sent an unexpected answer: ${what}`, {
    details: { url: target.url, reason: 'protocol', retryable: false },
  })
}

interface ServerError {
  message: string
  type?: string
  code?: string
}

/** Reads Ollama's `{"error":"..."}` and OpenAI's `{"error":{"message","type","code"}}`. */
export function parseServerError(body: string): ServerError | undefined {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return undefined
  }
  const error = (value as { error?: unknown } | null)?.error
  if (typeof error === 'string') return { message: error }
  if (error !== null && typeof error === 'object') {
    const { message, type, code } = error as Record<string, unknown>
    if (typeof message === 'string') {
      const result: ServerError = { message }
      if (typeof type === 'string') result.type = type
      if (typeof code === 'string' || typeof code === 'number') result.code = String(code)
      return result
    }
  }
  return undefined
}

const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504])

/** A non-2xx answer as a HubError, with the server's own message when it sent one. */
export function httpStatusFailure(
  status: number,
  body: string,
  target: ServiceTarget,
  model: string,
  retryAfterMs?: number,
): HubError {
  const server = parseServerError(body)
  const serverMessage = server?.message ?? (body.trim() === '' ? `HTTP ${status}` : excerpt(body.trim()))
  const details = {
    url: target.url,
    status,
    reason: 'http-status',
    serverMessage,
    serverCode: server?.code,
    retryable: RETRYABLE_STATUSES.has(status),
    retryAfterMs,
  }
  const where = `${target.service} at ${target.url}`
  if (status === 401 || status === 403) {
    const hint = target.authHint === undefined ? '' : `; ${target.authHint}`
    return new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `${where} rejected the credentials (${serverMessage})${hint}`,
      {
        details,
      },
    )
  }
  if (status === 404) {
    const hint = target.modelHint === undefined ? '' : `; ${target.modelHint(model)}`
    return new HubError('E_DEPENDENCY_UNAVAILABLE', `${where}: ${serverMessage}${hint}`, { details })
  }
  if (status === 400 || status === 422) {
    return new HubError('E_BAD_REQUEST', `${where} rejected the request: ${serverMessage}`, { details })
  }
  if (status === 413 || status === 429) {
    return new HubError(
      'E_RESOURCE_LIMIT',
      `${where} refused for a limit (HTTP ${status}): ${serverMessage}`,
      {
        details,
      },
    )
  }
  if (status === 408 || status === 504) {
    return new HubError('E_TIMEOUT', `${where} timed out (HTTP ${status}): ${serverMessage}`, { details })
  }
  if (status >= 500) {
    return new HubError('E_DEPENDENCY_UNAVAILABLE', `${where} failed (HTTP ${status}): ${serverMessage}`, {
      details,
    })
  }
  return new HubError('E_IO', `${where} answered HTTP ${status}: ${serverMessage}`, { details })
}

/** Parses a Retry-After header given in seconds; ignores dates and junk. */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined
  return Number(value.trim()) * 1000
}
