// Reading the hub's streamed answers: NDJSON (GET /events) and Server-Sent Events (POST /chat).
// Both are read line by line from the response body as it arrives.
import { HubClientError } from './client-error.ts'

/** One Server-Sent Event: its `event:` name and its `data:` lines joined. */
export interface SseMessage {
  event: string
  data: string
}

/**
 * Longest line accepted, in characters: the hub's envelopes are at most 1 MiB, so a longer line
 * means a broken or hostile server, and buffering it without bound would exhaust memory.
 */
export const MAX_LINE_CHARS = 16 * 1024 * 1024

async function* textLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let pending = ''
  try {
    while (true) {
      const { value, done } = await reader.read()
      if (done) break
      pending += decoder.decode(value, { stream: true })
      let newline = pending.indexOf('\n')
      while (newline >= 0) {
        yield pending.slice(0, newline).replace(/\r$/, '')
        pending = pending.slice(newline + 1)
        newline = pending.indexOf('\n')
      }
      if (pending.length > MAX_LINE_CHARS)
        throw new HubClientError(
          'E_RESOURCE_LIMIT',
          `a streamed line is longer than ${MAX_LINE_CHARS} characters`,
        )
    }
    pending += decoder.decode()
    if (pending !== '') yield pending
  } finally {
    // A consumer that stops early cancels the body, so the connection is released.
    await reader.cancel().catch(() => {})
  }
}

/** Parsed JSON values, one per non-empty line. */
export async function* ndjsonValues(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  for await (const line of textLines(body)) {
    if (line.trim() !== '') yield JSON.parse(line)
  }
}

/** Server-Sent Events as the WHATWG spec frames them (comments such as `: ping` skipped). */
export async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  let event = ''
  let data: string[] = []
  for await (const line of textLines(body)) {
    if (line === '') {
      if (data.length > 0) yield { event: event || 'message', data: data.join('\n') }
      event = ''
      data = []
      continue
    }
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
  }
  if (data.length > 0) yield { event: event || 'message', data: data.join('\n') }
}
