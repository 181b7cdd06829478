// The live tail (WS /ws/events) with resume: after a dropped connection the client reconnects
// and asks for `from = last seq + 1`, so stored events are neither lost nor repeated (the hub
// replays from there, then goes live). Ephemeral events (no seq) published while disconnected
// are gone: they were never stored.
import type { StoredEnvelope } from '../contracts/index.ts'
import { HubClientError } from './client-error.ts'
import type { HubClientConfig, WebSocketFactory, WebSocketLike } from './client-options.ts'

export interface TailQuery {
  /** First seq to deliver (replayed, then live); omitted: live events only. */
  from?: number
  /** A type pattern such as `chat.*` or `approval.>`. */
  filter?: string
  traceId?: string
  sessionId?: string
  source?: string
}

/** Events as they are published; iterate it, and close it (or break the loop) when done. */
export interface LiveTail extends AsyncIterable<StoredEnvelope> {
  /** The highest seq delivered so far. */
  readonly lastSeq: number | undefined
  /** Connections opened after the first (each one a resume). */
  readonly reconnects: number
  /** Resolves once the first connection is open (or the tail was closed); rejects when it failed first. */
  readonly opened: Promise<void>
  close(): void
}

type Waiter = { resolve: (result: IteratorResult<StoredEnvelope>) => void; reject: (error: unknown) => void }

async function defaultFactory(url: string, headers: Record<string, string>): Promise<WebSocketLike> {
  const global = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket
  // Browsers and Node 22+: no headers on a WebSocket, so the token goes in the query (decision 0802).
  if (global !== undefined) {
    const withToken = new URL(url)
    withToken.searchParams.set('token', headers.authorization!.replace(/^Bearer /, ''))
    return new global(withToken.href)
  }
  const { WebSocket } = (await import('ws')) as unknown as {
    WebSocket: new (url: string, options: { headers: Record<string, string> }) => WebSocketLike
  }
  return new WebSocket(url, { headers })
}

/**
 * Asks the hub over HTTP why a WebSocket upgrade failed (a browser or `ws` only reports "closed"):
 * the same token and query parameters on GET /events, whose error envelope says what is wrong.
 * Undefined when HTTP is fine, so the failure was the connection itself and is worth retrying.
 */
export type TailProbe = (query: TailQuery) => Promise<HubClientError | undefined>

export function openLiveTail(config: HubClientConfig, query: TailQuery, probe?: TailProbe): LiveTail {
  const factory: WebSocketFactory = config.webSocket ?? defaultFactory
  const buffered: StoredEnvelope[] = []
  const waiters: Waiter[] = []
  let failure: unknown
  let closed = false
  let lastSeq: number | undefined
  let reconnects = 0
  let failuresInARow = 0
  let connections = 0
  let socket: WebSocketLike | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let markOpened: () => void = () => {}
  let failOpening: (error: unknown) => void = () => {}
  const opened = new Promise<void>((resolve, reject) => {
    markOpened = resolve
    failOpening = reject
  })
  // Nobody has to await `opened`: a tail that fails is reported by its iterator too.
  opened.catch(() => {})

  function address(): string {
    const url = new URL(`${config.url.replace(/^http/, 'ws')}/ws/events`)
    const from = lastSeq === undefined ? query.from : lastSeq + 1
    if (from !== undefined) url.searchParams.set('from', String(from))
    for (const key of ['filter', 'traceId', 'sessionId', 'source'] as const) {
      const value = query[key]
      if (value !== undefined) url.searchParams.set(key, value)
    }
    return url.href
  }

  function deliver(event: StoredEnvelope): void {
    if (event.seq !== undefined) {
      if (lastSeq !== undefined && event.seq <= lastSeq) return
      lastSeq = event.seq
    }
    const waiter = waiters.shift()
    if (waiter === undefined) buffered.push(event)
    else waiter.resolve({ value: event, done: false })
  }

  function finish(error?: unknown): void {
    if (closed) return
    closed = true
    failure = error
    if (error === undefined) markOpened()
    else failOpening(error)
    clearTimeout(retryTimer)
    socket?.close(1000, 'client closed')
    for (const waiter of waiters.splice(0)) {
      if (error === undefined) waiter.resolve({ value: undefined, done: true })
      else waiter.reject(error)
    }
  }

  function retry(reason: string): void {
    if (closed) return
    failuresInARow++
    if (failuresInARow > config.tailMaxRetries) {
      finish(
        new HubClientError(
          'E_DEPENDENCY_UNAVAILABLE',
          `the live tail of ${config.url} dropped and ${config.tailMaxRetries} reconnects failed (${reason})`,
        ),
      )
      return
    }
    retryTimer = setTimeout(connect, config.tailRetryDelayMs)
  }

  async function connect(): Promise<void> {
    if (closed) return
    let current: WebSocketLike
    try {
      current = await factory(address(), { authorization: `Bearer ${config.token}` })
    } catch (error) {
      retry((error as Error).message)
      return
    }
    if (closed) {
      current.close(1000, 'client closed')
      return
    }
    socket = current
    let wasOpen = false
    current.onopen = () => {
      wasOpen = true
      failuresInARow = 0
      if (connections++ > 0) reconnects++
      markOpened()
    }
    current.onmessage = (message) => {
      try {
        deliver(JSON.parse(String(message.data)) as StoredEnvelope)
      } catch (error) {
        finish(
          new HubClientError(
            'E_BAD_REQUEST',
            `the tail sent a frame that is not JSON: ${(error as Error).message}`,
          ),
        )
      }
    }
    current.onerror = () => {}
    current.onclose = (event) => {
      if (socket === current) socket = undefined
      // A refusal the hub explains (policy, e.g. a wrong filter) is final; drops are resumed.
      if (wasOpen && event.code === 1008) {
        finish(new HubClientError('E_BAD_REQUEST', `the hub closed the tail: ${event.reason}`))
        return
      }
      if (wasOpen || connections > 0 || probe === undefined) {
        retry(wasOpen ? `closed with ${event.code}` : 'could not connect')
        return
      }
      // The very first upgrade failed: a refusal (token, filter) is final, anything else is retried.
      probe(query).then(
        (refusal) => (refusal === undefined ? retry('could not connect') : finish(refusal)),
        (error: unknown) => retry((error as Error).message),
      )
    }
  }

  void connect()

  return {
    get lastSeq() {
      return lastSeq
    },
    get reconnects() {
      return reconnects
    },
    opened,
    close: () => finish(),
    [Symbol.asyncIterator]() {
      return {
        next: () => {
          const event = buffered.shift()
          if (event !== undefined) return Promise.resolve({ value: event, done: false })
          if (closed)
            return failure === undefined
              ? Promise.resolve({ value: undefined, done: true })
              : Promise.reject(failure)
          return new Promise<IteratorResult<StoredEnvelope>>((resolve, reject) =>
            waiters.push({ resolve, reject }),
          )
        },
        return: () => {
          finish()
          return Promise.resolve({ value: undefined, done: true })
        },
      }
    },
  }
}
