/** What the hub answered when it refused a request: its error envelope, kept whole. */
export interface HubErrorBody {
  code: string
  message: string
  details?: Record<string, unknown>
}

/**
 * A refusal from the hub (its `{ ok: false, error }` envelope, with the HTTP status), or a failure
 * to reach it (`E_DEPENDENCY_UNAVAILABLE`, status 0). `code` is the hub's stable error code.
 */
export class HubClientError extends Error {
  readonly code: string
  readonly status: number
  readonly details: Record<string, unknown> | undefined

  constructor(code: string, message: string, status = 0, details?: Record<string, unknown>, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'HubClientError'
    this.code = code
    this.status = status
    this.details = details
  }
}

function isErrorBody(value: unknown): value is { ok: false; error: HubErrorBody } {
  if (value === null || typeof value !== 'object') return false
  const error = (value as { error?: unknown }).error
  return (
    (value as { ok?: unknown }).ok === false &&
    error !== null &&
    typeof error === 'object' &&
    typeof (error as HubErrorBody).code === 'string'
  )
}

/** The error an answer carries, from its parsed body (the hub's envelope) or its status alone. */
export function errorFromAnswer(status: number, body: unknown): HubClientError {
  if (isErrorBody(body)) {
    const { code, message, details } = body.error
    return new HubClientError(code, String(message), status, details)
  }
  return new HubClientError('E_UNKNOWN', `the hub answered HTTP ${status} without an error envelope`, status)
}
