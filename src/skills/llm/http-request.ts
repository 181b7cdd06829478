// One HTTP request over node:http(s) with a connect timeout and AbortSignal support. node:http is
// used rather than fetch so a refused connection arrives as ECONNREFUSED (not "fetch failed"),
// and aborting destroys the socket, which the server sees as a close.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import https from 'node:https'
import { urlToHttpOptions } from 'node:url'
import { HubError } from '../../contracts/index.ts'
import { networkFailure, type ServiceTarget } from './failures.ts'

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024

export interface HttpRequestOptions {
  method: 'GET' | 'POST'
  url: string
  headers?: Record<string, string>
  /** The body's text, or its pieces in order (written into one buffer without joining them first). */
  body?: string | readonly string[]
  signal: AbortSignal
  connectTimeoutMs: number
  target: ServiceTarget
  /** Keep-alive agent owned by the provider; a fresh socket per request when absent. */
  agent?: http.Agent
  /** Called once the request (head and body) has been handed to the socket. */
  onSent?: () => void
}

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: IncomingMessage
}

/** Request targets parsed at most this many at a time (a provider asks one or two URLs). */
const MAX_PARSED_TARGETS = 32

interface ParsedTarget {
  transport: typeof http | typeof https
  options: http.RequestOptions
  /**
   * The Host header node:http would write (URL.host: brackets around an IPv6 address, no default
   * port), when the URL carries no credentials; undefined when it does, so node:http adds their
   * Authorization header as before.
   */
  hostHeader: string | undefined
}

// A chat turn asks the same URL each time: parsing it (WHATWG URL, then its request options) was
// measurable on the way to the model, so each URL is parsed once (decision 1757).
const parsedTargets = new Map<string, ParsedTarget>()

function parsedTarget(url: string): ParsedTarget {
  let target = parsedTargets.get(url)
  if (target === undefined) {
    const parsed = new URL(url)
    target = {
      transport: parsed.protocol === 'https:' ? https : http,
      options: urlToHttpOptions(parsed),
      hostHeader: parsed.username === '' && parsed.password === '' ? parsed.host : undefined,
    }
    if (parsedTargets.size >= MAX_PARSED_TARGETS) parsedTargets.delete(parsedTargets.keys().next().value!)
    parsedTargets.set(url, target)
  }
  return target
}

/** The body as UTF-8: pieces are measured and written into one buffer, never joined into a string. */
function encodeBody(body: string | readonly string[]): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  let length = 0
  for (const piece of body) length += Buffer.byteLength(piece, 'utf8')
  const buffer = Buffer.allocUnsafe(length)
  let offset = 0
  for (const piece of body) offset += buffer.write(piece, offset, 'utf8')
  return buffer
}

/** Resolves when the response head arrives; rejects with a HubError or the signal's reason. */
export function sendHttpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const { signal, target } = options
  if (signal.aborted) return Promise.reject(signal.reason)
  const { transport, options: requestTarget, hostHeader } = parsedTarget(options.url)
  const named: Record<string, string> = { accept: '*/*', ...options.headers }
  // Encoded once: measuring the text's UTF-8 length and then encoding it for the socket walked a
  // chat prompt twice on the way to the model (decision 1788).
  const body = options.body === undefined ? undefined : encodeBody(options.body)
  if (body !== undefined) named['content-length'] = String(body.length)
  // As name/value pairs node:http writes the head at once instead of storing each header first
  // (decision 1788); it then adds no Host header of its own, so it is the first pair here.
  let headers: Record<string, string> | string[] = named
  if (hostHeader !== undefined) {
    const pairs = ['host', hostHeader]
    for (const name in named) {
      // A caller's own Host header: node:http writes the header object as before.
      if (name.toLowerCase() === 'host') {
        pairs.length = 0
        break
      }
      pairs.push(name, named[name]!)
    }
    if (pairs.length > 0) headers = pairs
  }
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false
    const request = transport.request({
      ...requestTarget,
      method: options.method,
      headers,
      agent: options.agent,
    })
    const connectTimer = setTimeout(() => {
      request.destroy(
        new HubError(
          'E_TIMEOUT',
          `${target.service} at ${target.url} did not accept a connection within ${options.connectTimeoutMs} ms; ${target.startHint}`,
          { details: { url: target.url, reason: 'connect-timeout', retryable: false } },
        ),
      )
    }, options.connectTimeoutMs)
    let bodyDone = false
    const onAbort = (): void => {
      // A finished response's socket may already serve another request from the pool: leave it.
      if (!bodyDone) request.destroy()
      if (!settled) finish(() => reject(signal.reason))
    }
    const finish = (action: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(connectTimer)
      action()
    }
    signal.addEventListener('abort', onAbort, { once: true })
    request.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer)
      else socket.once('connect', () => clearTimeout(connectTimer))
    })
    request.on('response', (response) => {
      finish(() => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: response }))
      // Aborting after the head destroys the body too; the listener goes once the body is done.
      const detach = (): void => {
        bodyDone = response.complete
        signal.removeEventListener('abort', onAbort)
      }
      response.once('end', detach)
      response.once('close', detach)
    })
    request.on('error', (error) => {
      signal.removeEventListener('abort', onAbort)
      finish(() => reject(signal.aborted ? signal.reason : networkFailure(error, target)))
    })
    request.end(body, options.onSent)
  })
}

/** Reads a whole body as UTF-8, failing with E_RESOURCE_LIMIT past `maxBytes`. */
export async function readBodyText(
  body: IncomingMessage,
  maxBytes: number,
  target: ServiceTarget,
): Promise<string> {
  const chunks: Buffer[] = []
  let length = 0
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      length += chunk.length
      if (length > maxBytes) {
        body.destroy()
        throw new HubError('E_RESOURCE_LIMIT', `${target.service} answer larger than ${maxBytes} bytes`, {
          details: { url: target.url, reason: 'protocol', limitBytes: maxBytes, retryable: false },
        })
      }
      chunks.push(chunk)
    }
  } catch (error) {
    throw networkFailure(error, target)
  }
  return Buffer.concat(chunks, length).toString('utf8')
}
