// Calls to the hub's HTTP API with its result envelopes. Three outcomes the views care about are
// told apart: not logged in (401: show the login screen), a route this hub does not have yet (404:
// "not available in this hub yet"), and everything else.
import type { ResultError } from '../../../src/contracts/index.ts'

export type ApiOutcome<T> =
  | { kind: 'ok'; data: T }
  | { kind: 'unauthorised' }
  | { kind: 'unavailable'; path: string }
  | { kind: 'error'; status: number; error: ResultError }

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

export interface ApiClient {
  get<T>(path: string): Promise<ApiOutcome<T>>
  post<T>(path: string, body?: unknown): Promise<ApiOutcome<T>>
  put<T>(path: string, body: unknown): Promise<ApiOutcome<T>>
  delete<T>(path: string): Promise<ApiOutcome<T>>
  /** GET returning text (GET /metrics is Prometheus text, not an envelope). */
  text(path: string): Promise<ApiOutcome<string>>
}

function errorOf(status: number, body: unknown, fallback: string): ResultError {
  const error = (body as { error?: Partial<ResultError> } | null)?.error
  if (error !== undefined && typeof error.code === 'string' && typeof error.message === 'string') {
    return error as ResultError
  }
  return { code: status >= 500 ? 'E_UNKNOWN' : 'E_BAD_REQUEST', message: fallback.slice(0, 500) }
}

async function readJson(response: Response): Promise<{ body: unknown; raw: string }> {
  const raw = await response.text()
  try {
    return { body: JSON.parse(raw), raw }
  } catch {
    return { body: undefined, raw }
  }
}

/** `onUnauthorised` runs on every 401, so one place can switch the page to the login screen. */
export function createApiClient(fetchImpl: FetchLike, onUnauthorised: () => void = () => {}): ApiClient {
  async function call<T>(method: string, path: string, body?: unknown): Promise<ApiOutcome<T>> {
    let response: Response
    try {
      response = await fetchImpl(path, {
        method,
        credentials: 'same-origin',
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : { 'content-type': 'application/json', accept: 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch (error) {
      return {
        kind: 'error',
        status: 0,
        error: {
          code: 'E_DEPENDENCY_UNAVAILABLE',
          message: `the hub did not answer: ${String((error as Error)?.message ?? error)}`,
        },
      }
    }
    if (response.status === 401) {
      onUnauthorised()
      return { kind: 'unauthorised' }
    }
    if (response.status === 404 || response.status === 405) return { kind: 'unavailable', path }
    const { body: parsed, raw } = await readJson(response)
    const envelope = parsed as { ok?: unknown; data?: unknown } | undefined
    if (response.ok && envelope?.ok === true) return { kind: 'ok', data: envelope.data as T }
    return {
      kind: 'error',
      status: response.status,
      error: errorOf(response.status, parsed, raw || response.statusText),
    }
  }

  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body ?? {}),
    put: (path, body) => call('PUT', path, body),
    delete: (path) => call('DELETE', path),
    async text(path) {
      let response: Response
      try {
        response = await fetchImpl(path, { credentials: 'same-origin' })
      } catch (error) {
        return {
          kind: 'error',
          status: 0,
          error: { code: 'E_DEPENDENCY_UNAVAILABLE', message: String((error as Error)?.message ?? error) },
        }
      }
      if (response.status === 401) {
        onUnauthorised()
        return { kind: 'unauthorised' }
      }
      if (response.status === 404) return { kind: 'unavailable', path }
      const raw = await response.text()
      if (!response.ok) {
        const { body } = await readJson(new Response(raw))
        return { kind: 'error', status: response.status, error: errorOf(response.status, body, raw) }
      }
      return { kind: 'ok', data: raw }
    },
  }
}

/** Publishes one canonical event through POST /events (the dashboard's own events: ui.*). */
export function publishEvent(
  api: ApiClient,
  type: string,
  payload: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return api.post<{ id: string; seq?: number }>('/events', {
    type,
    source: 'ui.dashboard',
    payload,
    ...extra,
  })
}
