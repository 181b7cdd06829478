/** How long one HTTP request may take before the client gives up (chat streams excepted). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
/** Wait between two attempts to reconnect the live tail. */
export const DEFAULT_TAIL_RETRY_DELAY_MS = 250
/** Failed reconnects in a row after which the live tail gives up and throws. */
export const DEFAULT_TAIL_MAX_RETRIES = 40
/** Events GET /events returns per page when replaying (the hub allows up to 10,000). */
export const DEFAULT_REPLAY_PAGE_SIZE = 1_000

/** The WebSocket the live tail uses: the WHATWG shape (browsers, Node 22+, the `ws` package). */
export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: unknown) => void) | null
  close(code?: number, reason?: string): void
}

/** Opens a WebSocket to `url`; `headers` carry the token where the implementation allows headers. */
export type WebSocketFactory = (
  url: string,
  headers: Record<string, string>,
) => WebSocketLike | Promise<WebSocketLike>

export interface HubClientOptions {
  /** The hub's base URL, e.g. http://127.0.0.1:8787. */
  url: string
  /** The hub's token (the data directory's auth-token file). */
  token: string
  requestTimeoutMs?: number
  tailRetryDelayMs?: number
  tailMaxRetries?: number
  replayPageSize?: number
  /** fetch to use (default: the global one). */
  fetch?: typeof fetch
  /** WebSocket to use (default: the global WebSocket, else the `ws` package). */
  webSocket?: WebSocketFactory
}

export type HubClientConfig = Readonly<Required<Omit<HubClientOptions, 'webSocket'>>> & {
  readonly webSocket: WebSocketFactory | undefined
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new TypeError(`${name} must be a positive number, got ${value}`)
  return value
}

/** Defaults spread under the options, checked and frozen. */
export function resolveClientOptions(options: HubClientOptions): HubClientConfig {
  const settings = {
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    tailRetryDelayMs: DEFAULT_TAIL_RETRY_DELAY_MS,
    tailMaxRetries: DEFAULT_TAIL_MAX_RETRIES,
    replayPageSize: DEFAULT_REPLAY_PAGE_SIZE,
    fetch: globalThis.fetch,
    webSocket: undefined,
    ...options,
  }
  let base: URL
  try {
    base = new URL(settings.url)
  } catch {
    throw new TypeError(`url must be an absolute http(s) URL, got ${JSON.stringify(settings.url)}`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError(`url must be http or https, got ${base.protocol}`)
  if (typeof settings.token !== 'string' || settings.token.trim() === '')
    throw new TypeError('token must be the hub token (the auth-token file in its data directory)')
  positive(settings.requestTimeoutMs, 'requestTimeoutMs')
  positive(settings.tailRetryDelayMs, 'tailRetryDelayMs')
  positive(settings.tailMaxRetries, 'tailMaxRetries')
  positive(settings.replayPageSize, 'replayPageSize')
  if (typeof settings.fetch !== 'function') throw new TypeError('no fetch: pass options.fetch')
  return Object.freeze({ ...settings, url: base.href.replace(/\/$/, ''), token: settings.token.trim() })
}
