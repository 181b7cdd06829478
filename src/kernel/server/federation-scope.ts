import { HubError } from '../../contracts/index.ts'
import { HttpHubError } from './error-replies.ts'
import { checkPattern } from './event-query.ts'
import { DEFAULT_REPLAY_LIMIT, MAX_REPLAY_LIMIT } from './server-options.ts'
import type { FederationPort, HubPort } from './server-types.ts'

// `scope=hub|federation` on GET /events and WS /ws/events (decision 1642). `hub` (the default) is
// this hub's log, unchanged. `federation` is every hub's events as the root holds them: one time
// line across hubs has no common seq, so it takes only a type filter and a limit (GET), and the
// WS sends the newest `backlog` events first instead of resuming from a seq.

/** Events a federation tail sends before the live ones unless `backlog` says otherwise. */
export const DEFAULT_FEDERATION_BACKLOG = 200
const MAX_FEDERATION_BACKLOG = 2000
const SCOPES = ['hub', 'federation'] as const

type RawQuery = Readonly<Record<string, unknown>>

export interface FederationParameters {
  filter?: string
  limit: number
}

function bad(message: string, parameter: string, got: unknown): HubError {
  return new HubError('E_BAD_REQUEST', message, { details: { parameter, got: String(got).slice(0, 80) } })
}

function single(query: RawQuery, name: string): string | undefined {
  const value = query[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw bad(`query parameter ${name} must be given once`, name, value)
  return value
}

function count(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined) return fallback
  const value = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN
  if (!(value >= 1 && value <= max)) throw bad(`${name} must be an integer in [1, ${max}]`, name, text)
  return value
}

/**
 * Splits `scope` off a query: `hub` gives the rest to the usual parser; `federation` is parsed
 * here (GET: filter|type, limit; WS: filter|type, backlog, token) and anything else is refused.
 */
export function scopeOf(
  query: RawQuery,
  route: 'replay' | 'tail',
): { scope: 'hub'; rest: RawQuery } | { scope: 'federation'; parameters: FederationParameters } {
  const scope = single(query, 'scope') ?? 'hub'
  if (!(SCOPES as readonly string[]).includes(scope))
    throw bad(`scope must be ${SCOPES.join(' or ')}`, 'scope', scope)
  if (scope === 'hub') {
    const { scope: _scope, ...rest } = query
    return { scope: 'hub', rest }
  }
  const known =
    route === 'replay'
      ? ['scope', 'filter', 'type', 'limit']
      : ['scope', 'filter', 'type', 'backlog', 'token']
  for (const name of Object.keys(query))
    if (!known.includes(name))
      throw bad(
        `scope=federation takes only ${known.filter((item) => item !== 'scope').join(', ')} (hubs have no common seq or index); got ${name}`,
        name,
        query[name],
      )
  const filter = single(query, 'filter')
  const type = single(query, 'type')
  if (filter !== undefined && type !== undefined) throw bad('give filter or type, not both', 'type', type)
  const pattern = filter ?? type
  const limit =
    route === 'replay'
      ? count(single(query, 'limit'), 'limit', DEFAULT_REPLAY_LIMIT, MAX_REPLAY_LIMIT)
      : count(single(query, 'backlog'), 'backlog', DEFAULT_FEDERATION_BACKLOG, MAX_FEDERATION_BACKLOG)
  return {
    scope: 'federation',
    parameters: {
      ...(pattern === undefined
        ? {}
        : { filter: checkPattern(pattern, filter === undefined ? 'type' : 'filter') }),
      limit,
    },
  }
}

/** The hub's federation port, or a 409 saying why there is none. */
export function federationOf(hub: HubPort): FederationPort {
  if (hub.federation !== undefined) return hub.federation
  throw new HttpHubError(
    409,
    'E_BAD_REQUEST',
    'scope=federation needs the hub on a NATS bus joined to a root (localhub serve --bus nats://…; docs/one-hub-per-machine.md)',
  )
}

/** What a federation tail needs of the socket (the ws WebSocket has it). */
export interface FederationSocket {
  readonly bufferedAmount: number
  send(data: string): void
  close(code: number, reason: string): void
  on(event: 'close', listener: () => void): unknown
}

const WS_CLOSE_INTERNAL_ERROR = 1011
const WS_CLOSE_SLOW = 4008
const MAX_CLOSE_REASON_CHARS = 100

/**
 * WS /ws/events?scope=federation: the newest `limit` events of all hubs, then new ones as the root
 * receives them. Events of different hubs have no common seq, so a slow client is closed (4008)
 * rather than told where to resume; the dashboard reconnects and dedupes by id.
 */
export function serveFederationTail(
  socket: FederationSocket,
  federation: FederationPort,
  parameters: FederationParameters,
  queueLimitBytes: number,
): void {
  let closed = false
  const close = (code: number, reason: string) => {
    if (closed) return
    closed = true
    subscription?.close()
    socket.close(code, reason.slice(0, MAX_CLOSE_REASON_CHARS))
  }
  const send = (event: object) => {
    if (closed) return
    if (socket.bufferedAmount >= queueLimitBytes) return close(WS_CLOSE_SLOW, 'slow consumer: reconnect')
    socket.send(JSON.stringify(event))
  }
  const seen = new Set<string>()
  let subscription: { close(): void } | undefined
  const held: object[] = []
  let backlogSent = false
  socket.on('close', () => {
    closed = true
    subscription?.close()
  })
  const failed = (error: Error) => close(WS_CLOSE_INTERNAL_ERROR, error.message)
  // Live events that arrive while the backlog is read wait, so the order holds and none is lost.
  subscription = federation.tail(
    parameters.filter === undefined ? {} : { filter: parameters.filter },
    (event) => {
      if (!backlogSent) held.push(event)
      else if (!seen.has(event.id)) send(event)
    },
    failed,
  )
  federation
    .replay({
      ...(parameters.filter === undefined ? {} : { filter: parameters.filter }),
      limit: parameters.limit,
    })
    .then((backlog) => {
      for (const event of backlog) {
        seen.add(event.id)
        send(event)
      }
      backlogSent = true
      for (const event of held.splice(0)) if (!seen.has((event as { id: string }).id)) send(event)
    }, failed)
}
