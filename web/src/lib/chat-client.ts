// POST /chat as Server-Sent Events: stream.start, stream.chunk × N, stream.end (with citations) or
// error. Each part is handed out as it arrives; the answer's text is the chunks concatenated.
import type { ResultError } from '../../../src/contracts/index.ts'
import type { FetchLike } from './api-client.ts'
import { SseParser } from './sse-parser.ts'

export interface Citation {
  n: number
  title?: string
  sourceId?: string
  snippet?: string
  location?: { path?: string; [key: string]: unknown }
}

export type ChatPart =
  | { kind: 'start'; streamId?: string; traceId?: string; sessionId?: string }
  | { kind: 'chunk'; text: string }
  | { kind: 'end'; reason?: string; citations: Citation[] }
  | { kind: 'error'; error: ResultError }

export interface ChatRequest {
  text: string
  sessionId?: string
}

export type ChatOutcome =
  | { kind: 'done'; traceId?: string }
  | { kind: 'unauthorised' }
  | { kind: 'error'; error: ResultError }

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}

function citationsOf(value: unknown): Citation[] {
  if (!Array.isArray(value)) return []
  return value.slice(0, 50).flatMap((item, index) => {
    const entry = record(item)
    const location = record(entry.location)
    return [
      {
        n: typeof entry.n === 'number' ? entry.n : index + 1,
        ...(typeof entry.title === 'string' ? { title: entry.title } : {}),
        ...(typeof entry.sourceId === 'string' ? { sourceId: entry.sourceId } : {}),
        ...(typeof entry.snippet === 'string' ? { snippet: entry.snippet.slice(0, 500) } : {}),
        ...(Object.keys(location).length > 0 ? { location } : {}),
      },
    ]
  })
}

/** Turns one SSE frame into a chat part; frames that are not chat parts give undefined. */
export function chatPartOf(event: string, dataText: string): ChatPart | undefined {
  let data: Record<string, unknown>
  try {
    data = record(JSON.parse(dataText))
  } catch {
    return event === 'error'
      ? { kind: 'error', error: { code: 'E_UNKNOWN', message: dataText.slice(0, 500) } }
      : undefined
  }
  // The pipeline may send the payload or the whole envelope; look inside `payload` when present.
  const body = data.payload !== undefined && data.type !== undefined ? record(data.payload) : data
  switch (event) {
    case 'stream.start':
      return {
        kind: 'start',
        ...(typeof body.streamId === 'string' ? { streamId: body.streamId } : {}),
        ...(typeof (body.traceId ?? data.traceId) === 'string'
          ? { traceId: String(body.traceId ?? data.traceId) }
          : {}),
        ...(typeof (body.sessionId ?? data.sessionId) === 'string'
          ? { sessionId: String(body.sessionId ?? data.sessionId) }
          : {}),
      }
    case 'stream.chunk': {
      const inner = record(body.data)
      const text =
        typeof inner.text === 'string' ? inner.text : typeof body.text === 'string' ? body.text : ''
      return { kind: 'chunk', text }
    }
    case 'stream.end':
      return {
        kind: 'end',
        ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
        citations: citationsOf(body.citations),
      }
    case 'error': {
      const error = record(data.error)
      return {
        kind: 'error',
        error: {
          code: (typeof error.code === 'string' ? error.code : 'E_UNKNOWN') as ResultError['code'],
          message: typeof error.message === 'string' ? error.message : 'the turn failed',
        },
      }
    }
    default:
      return undefined
  }
}

/** Runs one turn; `onPart` sees every part in order. Resolves when the stream ends. */
export async function streamChat(
  fetchImpl: FetchLike,
  request: ChatRequest,
  onPart: (part: ChatPart) => void,
  signal?: AbortSignal,
): Promise<ChatOutcome> {
  let response: Response
  try {
    response = await fetchImpl('/chat', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        text: request.text,
        ...(request.sessionId ? { sessionId: request.sessionId } : {}),
        stream: true,
      }),
      ...(signal === undefined ? {} : { signal }),
    })
  } catch (error) {
    return {
      kind: 'error',
      error: { code: 'E_DEPENDENCY_UNAVAILABLE', message: String((error as Error)?.message ?? error) },
    }
  }
  if (response.status === 401) return { kind: 'unauthorised' }
  const type = response.headers.get('content-type') ?? ''
  if (!response.ok || !type.includes('text/event-stream') || response.body === null) {
    const part = chatPartOf('error', await response.text())
    const error =
      part?.kind === 'error' ? part.error : { code: 'E_UNKNOWN' as const, message: `HTTP ${response.status}` }
    onPart({ kind: 'error', error })
    return { kind: 'error', error }
  }
  const parser = new SseParser()
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let traceId = response.headers.get('x-trace-id') ?? undefined
  let failure: ResultError | undefined
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      for (const frame of parser.push(value)) {
        const part = chatPartOf(frame.event, frame.data)
        if (part === undefined) continue
        if (part.kind === 'start' && part.traceId !== undefined) traceId = part.traceId
        if (part.kind === 'error') failure = part.error
        onPart(part)
      }
    }
  } catch (error) {
    failure = {
      code: signal?.aborted ? 'E_TIMEOUT' : 'E_UNKNOWN',
      message: signal?.aborted ? 'stopped' : String((error as Error)?.message ?? error),
    }
    onPart({ kind: 'error', error: failure })
  }
  return failure === undefined
    ? { kind: 'done', ...(traceId === undefined ? {} : { traceId }) }
    : { kind: 'error', error: failure }
}
