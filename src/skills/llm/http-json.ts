// Non-streaming JSON calls (embeddings, model lists, version) with one overall deadline.
import type http from 'node:http'
import { HubError } from '../../contracts/index.ts'
import { httpStatusFailure, protocolError, retryAfterMs, type ServiceTarget } from './failures.ts'
import { DEFAULT_MAX_BODY_BYTES, readBodyText, sendHttpRequest } from './http-request.ts'

export interface JsonCallOptions {
  method: 'GET' | 'POST'
  url: string
  body?: unknown
  headers?: Record<string, string>
  target: ServiceTarget
  model: string
  connectTimeoutMs: number
  requestTimeoutMs: number
  agent?: http.Agent
  signal?: AbortSignal | undefined
  maxBodyBytes?: number
}

/** Sends a request and parses a 2xx JSON answer; anything else becomes a HubError. */
export async function callJson(options: JsonCallOptions): Promise<unknown> {
  const controller = new AbortController()
  const outer = options.signal
  const forwardAbort = (): void => controller.abort(outer?.reason)
  if (outer?.aborted) throw outer.reason
  outer?.addEventListener('abort', forwardAbort, { once: true })
  const timer = setTimeout(() => {
    controller.abort(
      new HubError(
        'E_TIMEOUT',
        `${options.target.service} at ${options.target.url} did not answer within ${options.requestTimeoutMs} ms`,
        { details: { url: options.target.url, reason: 'request-timeout', retryable: false } },
      ),
    )
  }, options.requestTimeoutMs)
  try {
    const headers: Record<string, string> = { ...options.headers }
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const response = await sendHttpRequest({
      method: options.method,
      url: options.url,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: controller.signal,
      connectTimeoutMs: options.connectTimeoutMs,
      target: options.target,
      agent: options.agent,
    })
    const text = await readBodyText(
      response.body,
      options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      options.target,
    )
    if (response.status < 200 || response.status > 299) {
      throw httpStatusFailure(
        response.status,
        text,
        options.target,
        options.model,
        retryAfterMs(response.headers['retry-after']),
      )
    }
    try {
      return JSON.parse(text)
    } catch {
      throw protocolError(options.target, 'body is not JSON')
    }
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason
    throw error
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', forwardAbort)
  }
}

/** Validates a list of embedding vectors: `count` arrays of finite numbers of one length. */
export function checkVectors(value: unknown, count: number, target: ServiceTarget): number[][] {
  if (!Array.isArray(value) || value.length !== count) {
    throw protocolError(target, `expected ${count} embedding vectors`)
  }
  let dimensions: number | undefined
  for (const vector of value) {
    if (!Array.isArray(vector) || vector.length === 0 || !vector.every((item) => Number.isFinite(item))) {
      throw protocolError(target, 'an embedding is not a non-empty array of numbers')
    }
    dimensions ??= vector.length
    if (vector.length !== dimensions) throw protocolError(target, 'embeddings have different lengths')
  }
  return value as number[][]
}
