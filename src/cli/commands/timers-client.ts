// The scheduler's HTTP API on the running hub (src/skills/scheduler/timer-routes.ts), with its
// failures turned into messages a person can act on.
import type { HubServer } from '../../bus/index.ts'
import { HubError } from '../../contracts/index.ts'

/** A timer as GET /timers lists it. */
export interface TimerListing {
  id: string
  kind: string
  spec: string
  event: string
  source: 'manifest' | 'added'
  nextAt: string | null
  lastAt: string | null
  count: number
  timezone?: string
  name?: string
  missed?: string
}

/** Calls the hub; answers the `data` of its `{ok: true, data}` result, or throws a HubError. */
export async function callTimers<T>(
  server: HubServer,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  let response: Response
  try {
    response = await fetch(new URL(path, server.url), {
      method,
      headers: {
        authorization: `Bearer ${server.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  } catch (cause) {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `cannot reach the hub at ${server.url}: ${(cause as Error).message}`,
      {
        cause,
      },
    )
  }
  const text = await response.text()
  let parsed: { ok?: boolean; data?: unknown; error?: { code?: string; message?: string } } | undefined
  try {
    parsed = JSON.parse(text) as typeof parsed
  } catch {
    parsed = undefined
  }
  if (response.ok && parsed?.ok === true) return parsed.data as T
  // The hub's 404 for a route it does not serve: it runs without the scheduler skill.
  if (response.status === 404 && parsed?.error?.message?.startsWith('no route ') !== false)
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `the hub at ${server.url} has no timers: enable skill.scheduler (module scheduler) in its manifest`,
    )
  const code = parsed?.error?.code
  throw new HubError(
    typeof code === 'string' && code.startsWith('E_') ? (code as 'E_UNKNOWN') : 'E_UNKNOWN',
    parsed?.error?.message ?? `the hub answered ${response.status}: ${text.slice(0, 200)}`,
  )
}
