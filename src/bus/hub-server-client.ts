import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import type { ReplayQuery } from '../client/index.ts'
import { type Envelope, HubError, isErrorCode, type Result } from '../contracts/index.ts'
import type { PublishReceipt } from './bus-types.ts'
import { storedReceiptOf } from './stored-receipt-text.ts'

/** Files a running kernel writes into the data directory (DESIGN.md section 6b). */
export const SERVER_INFO_FILE = 'server.json'
export const AUTH_TOKEN_FILE = 'auth-token'
const MAX_FILE_BYTES = 64 * 1024

export interface HubServer {
  url: string
  pid: number
  token: string
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readSmall(file: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8')
    return text.length > MAX_FILE_BYTES ? undefined : text
  } catch {
    return undefined
  }
}

/**
 * The server recorded in <data>/server.json when its pid is alive and <data>/auth-token is
 * readable; undefined otherwise (then the CLI opens the data directory itself). A stale file
 * left by a crash is ignored because its pid is gone.
 */
export function findHubServer(dataDir: string): HubServer | undefined {
  const text = readSmall(join(dataDir, SERVER_INFO_FILE))
  if (text === undefined) return undefined
  let info: { url?: unknown; pid?: unknown }
  try {
    info = JSON.parse(text) as typeof info
  } catch {
    return undefined
  }
  if (typeof info?.url !== 'string' || !Number.isInteger(info.pid) || !isAlive(info.pid as number))
    return undefined
  const token = readSmall(join(dataDir, AUTH_TOKEN_FILE))?.trim()
  if (!token) {
    throw new HubError(
      'E_PERMISSION_REQUIRED',
      `a server runs (${info.url}) but ${join(dataDir, AUTH_TOKEN_FILE)} cannot be read`,
    )
  }
  return { url: info.url, pid: info.pid as number, token }
}

async function* ndjson(response: Response): AsyncIterable<unknown> {
  if (response.body === null) return
  const lines = createInterface({
    input: Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
  })
  for await (const line of lines) {
    if (line.trim() === '') continue
    yield JSON.parse(line)
  }
}

/** The address answered, but not as a hub does (decision 2082): nothing sent to it was stored. */
function notAHub(server: HubServer, path: string, answer: string): HubError {
  const route = path.split('?')[0]
  return new HubError(
    'E_DEPENDENCY_UNAVAILABLE',
    `${server.url} is not a Local Hub: ${route} answered ${answer} without a result envelope, so nothing sent to it was stored (is server.json in the data directory stale? stop that program or start \`localhub serve\`)`,
    { details: { notAHub: true, url: server.url } },
  )
}

async function call(server: HubServer, path: string, init: RequestInit): Promise<Response> {
  let response: Response
  try {
    response = await fetch(new URL(path, server.url), {
      ...init,
      headers: {
        authorization: `Bearer ${server.token}`,
        accept: 'application/x-ndjson',
        ...(init.headers ?? {}),
      },
    })
  } catch (cause) {
    throw new HubError('E_DEPENDENCY_UNAVAILABLE', `the server at ${server.url} does not answer`, { cause })
  }
  const contentType = response.headers.get('content-type') ?? ''
  if (!response.ok && !contentType.includes('ndjson')) {
    const body = await response.text()
    let parsed: { error?: { code?: string; message?: string } } | undefined
    try {
      parsed = JSON.parse(body) as typeof parsed
    } catch {
      parsed = undefined
    }
    const message = parsed?.error?.message
    // A hub answers every refusal with a result envelope; anything else (an HTML 404, a proxy's
    // page) means server.json names a program that is not a hub, so nothing was taken.
    if (typeof message !== 'string') throw notAHub(server, path, `${response.status} ${response.statusText}`)
    // The hub's own code where it gave one (a refused query is E_BAD_REQUEST, not an I/O failure).
    const code = parsed?.error?.code
    throw new HubError(
      response.status === 401 || response.status === 403
        ? 'E_PERMISSION_REQUIRED'
        : isErrorCode(code)
          ? code
          : 'E_IO',
      `${path}: ${message}`,
    )
  }
  if (!contentType.includes('json')) {
    await response.body?.cancel()
    throw notAHub(server, path, `${response.status} with ${contentType || 'no content type'}`)
  }
  return response
}

/**
 * POST /events with NDJSON; yields one result envelope per line, in order. Lines given as an array
 * are sent as one body; chunks given as an async iterable (each one or more whole lines ending in
 * a newline) are streamed as they come, and the hub answers them while the rest is on its way.
 */
export async function* postEvents(
  server: HubServer,
  lines: readonly string[] | AsyncIterable<string>,
): AsyncIterable<Result<PublishReceipt>> {
  const streamed = !Array.isArray(lines)
  const response = await call(server, '/events', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    ...(streamed
      ? // Node's fetch sends an async iterable as a chunked body; 'half' is the only duplex it has.
        { body: lines as unknown as RequestInit['body'], duplex: 'half' }
      : { body: `${(lines as readonly string[]).join('\n')}\n` }),
  } as RequestInit)
  for await (const item of ndjson(response)) yield item as Result<PublishReceipt>
}

/**
 * POST /events as `postEvents`, its answer given one array per chunk received instead of one item
 * per line: a bulk publisher (`localhub events publish`) then costs no await per receipt.
 */
export async function* postEventBatches(
  server: HubServer,
  body: AsyncIterable<string | Uint8Array>,
): AsyncIterable<Result<PublishReceipt>[]> {
  const response = await call(server, '/events', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    // Node's fetch sends an async iterable as a chunked body; 'half' is the only duplex it has.
    body: body as unknown as RequestInit['body'],
    duplex: 'half',
  } as RequestInit)
  if (response.body === null) return
  const decoder = new TextDecoder()
  let rest = ''
  const parsed = (texts: string[]) => {
    const items: Result<PublishReceipt>[] = []
    for (const text of texts)
      if (text.trim() !== '')
        items.push(storedReceiptOf(text) ?? (JSON.parse(text) as Result<PublishReceipt>))
    return items
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const texts = (rest + decoder.decode(chunk, { stream: true })).split('\n')
    rest = texts.pop()!
    const items = parsed(texts)
    if (items.length > 0) yield items
  }
  const items = parsed([rest + decoder.decode()])
  if (items.length > 0) yield items
}

/** GET /events parameters: the same query the published client (localhub/client) sends. */
export type RemoteReplayQuery = ReplayQuery

/** GET /events?from=&to=&filter=&traceId=&sessionId=&source=&since=&until=&limit= as NDJSON envelopes. */
export async function* getEvents(server: HubServer, query: RemoteReplayQuery): AsyncIterable<Envelope> {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value))
  const response = await call(server, `/events?${search}`, { method: 'GET' })
  for await (const item of ndjson(response)) {
    const record = item as { ok?: boolean; error?: { code: string; message: string } }
    if (record.ok === false && record.error)
      throw new HubError(
        isErrorCode(record.error.code) ? record.error.code : 'E_IO',
        `GET /events: ${record.error.message}`,
      )
    yield item as Envelope
  }
}
