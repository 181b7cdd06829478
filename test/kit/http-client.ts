import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { WebSocket } from 'ws'
import { createServer, type HubPort, type RunningServer, type ServerOptions } from '../../src/kernel/index.ts'
import { createFakeHub, type FakeHub } from './fake-hub.ts'
import { makeTempDir } from './temp-dir.ts'

// Helpers for suites that talk to the kernel over HTTP/WS: start a server on port 0 with a temp data
// dir, call routes with the token, read SSE and NDJSON, open WebSockets. Uses node:http (not fetch)
// so tests can send any Host, Origin or raw body they like.

export interface TestContext {
  after(fn: () => unknown): void
}

export interface TestServer<H extends HubPort = FakeHub> {
  server: RunningServer
  hub: H
  dataDir: string
  url: string
  token: string
  /** A request with `Authorization: Bearer <token>` unless `token: null` or another token is given. */
  call(path: string, init?: CallInit): Promise<CallResult>
  /** Same, but the body is left as a stream (SSE, NDJSON). */
  stream(path: string, init?: CallInit): Promise<StreamResult>
}

export interface CallInit {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** null: send no Authorization header. */
  token?: string | null
  /** Aborts the request (client disconnect). */
  signal?: AbortSignal
}

export interface CallResult {
  status: number
  headers: IncomingHttpHeaders
  text: string
  json<T = Record<string, unknown>>(): T
}

export interface StreamResult {
  status: number
  headers: IncomingHttpHeaders
  body: IncomingMessage
}

/** Starts a server on 127.0.0.1:0 with a fresh data dir; everything is torn down in t.after. */
export async function startTestServer<H extends HubPort = FakeHub>(
  t: TestContext,
  options: { hub?: H; server?: Partial<ServerOptions> } = {},
): Promise<TestServer<H>> {
  const dir = makeTempDir('localhub-server-')
  t.after(() => dir.remove())
  const hub = (options.hub ?? createFakeHub()) as H
  const server = await createServer(
    { dataDir: dir.path, host: '127.0.0.1', port: 0, logger: false, env: {}, ...options.server },
    hub,
  )
  t.after(() => server.close())
  const withToken = (init: CallInit = {}): CallInit => {
    const token = init.token === undefined ? server.token : init.token
    return {
      ...init,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...init.headers },
    }
  }
  return {
    server,
    hub,
    dataDir: dir.path,
    url: server.url,
    token: server.token,
    call: (path, init) => call(`${server.url}${path}`, withToken(init)),
    stream: (path, init) => openStream(`${server.url}${path}`, withToken(init)),
  }
}

export function openStream(url: string, init: CallInit = {}): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, agent: false })
    request.on('response', (response) =>
      resolve({ status: response.statusCode ?? 0, headers: response.headers, body: response }),
    )
    request.on('error', reject)
    init.signal?.addEventListener('abort', () => request.destroy(), { once: true })
    request.end(init.body)
  })
}

export async function call(url: string, init: CallInit = {}): Promise<CallResult> {
  const { status, headers, body } = await openStream(url, init)
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return { status, headers, text, json: <T>() => JSON.parse(text) as T }
}

export interface SseEvent {
  event: string
  data: unknown
}

/** Parses a text/event-stream body into events (comments such as heartbeats are skipped). */
export async function* readSse(body: AsyncIterable<Buffer | string>): AsyncGenerator<SseEvent> {
  let pending = ''
  for await (const chunk of body) {
    pending += chunk.toString()
    let end = pending.indexOf('\n\n')
    while (end >= 0) {
      const block = pending.slice(0, end)
      pending = pending.slice(end + 2)
      let event = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('data: ')) data.push(line.slice(6))
      }
      if (data.length > 0) yield { event, data: JSON.parse(data.join('\n')) }
      end = pending.indexOf('\n\n')
    }
  }
}

/** Parses an NDJSON body line by line. */
export async function* readNdjson(body: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  let pending = ''
  for await (const chunk of body) {
    pending += chunk.toString()
    let end = pending.indexOf('\n')
    while (end >= 0) {
      const line = pending.slice(0, end)
      pending = pending.slice(end + 1)
      if (line.trim() !== '') yield JSON.parse(line)
      end = pending.indexOf('\n')
    }
  }
  if (pending.trim() !== '') yield JSON.parse(pending)
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}

export interface WsTestClient {
  socket: WebSocket
  /** Messages received so far (parsed JSON). */
  messages: unknown[]
  /** Resolves once `count` messages have arrived in total. */
  waitForMessages(count: number, timeoutMs?: number): Promise<unknown[]>
  closed: Promise<{ code: number; reason: string }>
}

/** Opens a WebSocket (ws:// URL derived from an http:// one) and records what it receives. */
export function openWs(
  url: string,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<WsTestClient> {
  const wsUrl = url.replace(/^http/, 'ws')
  const headers = {
    ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    ...options.headers,
  }
  const socket = new WebSocket(wsUrl, { headers })
  const messages: unknown[] = []
  const waiters: Array<() => void> = []
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()))
    for (const wake of waiters.splice(0)) wake()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => {
      for (const wake of waiters.splice(0)) wake()
      resolve({ code, reason: reason.toString() })
    }),
  )
  const client: WsTestClient = {
    socket,
    messages,
    closed,
    async waitForMessages(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${messages.length} of ${count} messages`)
        if (socket.readyState === WebSocket.CLOSED)
          throw new Error(`closed after ${messages.length} of ${count} messages`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
      return messages.slice(0, count)
    },
  }
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client))
    socket.once('unexpected-response', (_request, response) => {
      reject(
        Object.assign(new Error(`upgrade refused with ${response.statusCode}`), {
          status: response.statusCode,
        }),
      )
      socket.terminate()
    })
    socket.once('error', reject)
  })
}

/** The HTTP status a refused WebSocket upgrade answered with. */
export async function wsRefusalStatus(
  url: string,
  options: { token?: string; headers?: Record<string, string> } = {},
) {
  try {
    const client = await openWs(url, options)
    client.socket.close()
    return 101
  } catch (error) {
    return (error as { status?: number }).status ?? 0
  }
}
