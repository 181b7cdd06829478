// What both fake LLM servers share: a loopback HTTP server on port 0 that records every request,
// notices when a client hangs up early, and writes streamed bodies in arbitrary byte pieces.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { seededRandom } from './script.ts'

export const DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** Raw request body as text. */
  rawBody: string
  /** Parsed JSON body, undefined when it was empty or not JSON. */
  body: unknown
  /** True when the client closed the connection before the response was complete. */
  closedByClient: boolean
  /** True when the server completed the response. */
  completed: boolean
  /** Resolves once the response is over (completed, or closed by either side). */
  settled: Promise<void>
}

export interface ChunkingOptions {
  /** Largest write in bytes; each write is 1..maxBytes, so frames split anywhere. */
  maxBytes: number
  /** Pause after each write, so the pieces reach the client as separate TCP segments. */
  delayMs?: number
  seed?: number
}

export interface LoopbackServer {
  /** Origin, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

export type RouteHandler = (request: RecordedRequest, response: ServerResponse) => Promise<void> | void

/**
 * Waits `ms` by the performance clock. A timer alone can fire up to a millisecond early (timers run
 * on the loop's whole-millisecond clock), and tests assert that a scripted wait of N ms took N ms.
 */
export async function delay(ms: number): Promise<void> {
  const until = performance.now() + ms
  for (let left = ms; left > 0; left = until - performance.now())
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, left)))
}

/** delay(ms), or one turn of the timers when ms is 0 (a whole answer still leaves the loop once). */
export function delayOrYield(ms: number): Promise<void> {
  return ms > 0 ? delay(ms) : new Promise((resolve) => setTimeout(resolve, 0))
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let length = 0
  // An oversized body is drained (not stored) so the client still gets its 413.
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length
    if (length <= DEFAULT_MAX_REQUEST_BYTES) chunks.push(chunk)
  }
  return length > DEFAULT_MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks, length).toString('utf8')
}

export async function startLoopbackServer(handle: RouteHandler): Promise<LoopbackServer> {
  const requests: RecordedRequest[] = []
  const server = createServer({ noDelay: true }, async (request, response) => {
    let settle: () => void = () => {}
    const record: RecordedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      rawBody: '',
      body: undefined,
      closedByClient: false,
      completed: false,
      settled: new Promise<void>((resolve) => {
        settle = resolve
      }),
    }
    requests.push(record)
    response.on('finish', () => {
      record.completed = true
    })
    response.on('close', () => {
      if (!response.writableFinished && !record.completed)
        record.closedByClient = !serverDestroyed.has(response)
      settle()
    })
    try {
      const text = await readBody(request)
      if (text === undefined) {
        response.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large')
        return
      }
      record.rawBody = text
      try {
        record.body = text === '' ? undefined : JSON.parse(text)
      } catch {
        record.body = undefined
      }
      await handle(record, response)
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' })
      response.end(String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

// Responses the server itself cut off (to simulate a crash) are not "closed by the client".
const serverDestroyed = new WeakSet<ServerResponse>()

/** Kills the connection mid-response, like a server process dying. */
export function killConnection(response: ServerResponse): void {
  serverDestroyed.add(response)
  response.socket?.destroy()
}

/** True once the client went away (or the server killed the connection). */
export function isGone(response: ServerResponse): boolean {
  return response.destroyed || response.socket === null || response.socket.destroyed
}

/** Writes text to a streaming response, optionally in random small pieces with pauses. */
export class BodyWriter {
  private pending = Buffer.alloc(0)
  private readonly random: () => number
  private nextSize: number

  constructor(
    private readonly response: ServerResponse,
    private readonly chunking?: ChunkingOptions,
  ) {
    this.random = seededRandom(chunking?.seed ?? 1)
    this.nextSize = this.pickSize()
  }

  private pickSize(): number {
    const max = Math.max(1, Math.floor(this.chunking?.maxBytes ?? 1))
    return 1 + Math.floor(this.random() * max)
  }

  /** Queues text; with chunking, a piece may hold the end of one frame and the start of the next. */
  async write(text: string): Promise<void> {
    if (isGone(this.response)) return
    if (this.chunking === undefined) {
      this.response.write(text)
      return
    }
    this.pending = Buffer.concat([this.pending, Buffer.from(text, 'utf8')])
    while (this.pending.length >= this.nextSize && !isGone(this.response)) {
      this.response.write(this.pending.subarray(0, this.nextSize))
      this.pending = this.pending.subarray(this.nextSize)
      this.nextSize = this.pickSize()
      await delay(this.chunking.delayMs ?? 0)
    }
  }

  /** Sends whatever is still held back. */
  async flush(): Promise<void> {
    if (this.pending.length > 0 && !isGone(this.response)) this.response.write(this.pending)
    this.pending = Buffer.alloc(0)
  }

  async end(): Promise<void> {
    await this.flush()
    if (!isGone(this.response)) this.response.end()
  }
}

/** Sends a JSON body with a status. */
export function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = typeof value === 'string' ? value : JSON.stringify(value)
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  response.end(body)
}
