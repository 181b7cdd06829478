import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MAX_LINE_CHARS, ndjsonValues, sseMessages } from './line-streams.ts'

/** A body delivered in the given byte pieces, as a network would cut it. */
function body(...pieces: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces)
        controller.enqueue(typeof piece === 'string' ? encoder.encode(piece) : piece)
      controller.close()
    },
  })
}

async function all<T>(values: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of values) out.push(value)
  return out
}

describe('reading streamed answers', () => {
  test('SSE: events, multi-line data, CRLF, comments and pieces cut anywhere', async () => {
    const euro = new TextEncoder().encode('€')
    const messages = await all(
      sseMessages(
        body(
          ': ping\n\nevent: stream.start\ndata: {"a":1}\n\n',
          'event: stream.chunk\r\ndata: {"text":"',
          euro.subarray(0, 1),
          euro.subarray(1),
          '"}\r\n\r\ndata: line one\ndata: line two\n\nevent: stream.end\ndata: {}',
        ),
      ),
    )
    assert.deepEqual(messages, [
      { event: 'stream.start', data: '{"a":1}' },
      { event: 'stream.chunk', data: '{"text":"€"}' },
      { event: 'message', data: 'line one\nline two' },
      { event: 'stream.end', data: '{}' },
    ])
  })

  test('SSE: an event with no data is not delivered', async () => {
    assert.deepEqual(await all(sseMessages(body('event: lonely\n\n'))), [])
  })

  test('NDJSON: blank lines skipped, a last line without newline kept, bad JSON throws', async () => {
    assert.deepEqual(await all(ndjsonValues(body('{"seq":1}\n\n{"se', 'q":2}\n{"seq":3}'))), [
      { seq: 1 },
      { seq: 2 },
      { seq: 3 },
    ])
    await assert.rejects(all(ndjsonValues(body('{"seq":1}\n{not json\n'))), SyntaxError)
  })

  test('a line longer than MAX_LINE_CHARS is refused, not buffered without end', async () => {
    const piece = 'x'.repeat(1024 * 1024)
    const pieces = Array.from({ length: MAX_LINE_CHARS / piece.length + 1 }, () => piece)
    await assert.rejects(
      all(ndjsonValues(body(...pieces))),
      (error: { code?: string }) => error.code === 'E_RESOURCE_LIMIT',
    )
  })

  test('stopping early cancels the body', async () => {
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('{"seq":1}\n'))
      },
      cancel() {
        cancelled = true
      },
    })
    for await (const _value of ndjsonValues(stream)) break
    assert.equal(cancelled, true)
  })
})
