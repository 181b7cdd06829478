import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../../contracts/index.ts'
import { type SseEvent, SseParser } from './sse-parser.ts'

const encoder = new TextEncoder()

function parseAll(chunks: Uint8Array[]): SseEvent[] {
  const parser = new SseParser()
  const events = chunks.flatMap((chunk) => parser.push(chunk))
  return [...events, ...parser.end()]
}

function bytewise(text: string): Uint8Array[] {
  return [...encoder.encode(text)].map((byte) => Uint8Array.of(byte))
}

const STREAM = (eol: string): string =>
  [
    `: keep-alive${eol}${eol}`,
    `data: {"choices":[{"delta":{"content":"héllo 🌍"}}]}${eol}${eol}`,
    `event: update${eol}id: 7${eol}data: line one${eol}data: line two${eol}${eol}`,
    `data: [DONE]${eol}${eol}`,
  ].join('')

const EXPECTED: SseEvent[] = [
  { event: 'message', data: '{"choices":[{"delta":{"content":"héllo 🌍"}}]}' },
  { event: 'update', data: 'line one\nline two', id: '7' },
  { event: 'message', data: '[DONE]', id: '7' },
]

describe('SseParser', () => {
  for (const [name, eol] of [
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ] as const) {
    test(`parses a stream fed byte by byte with ${name} line endings`, () => {
      assert.deepEqual(parseAll(bytewise(STREAM(eol))), EXPECTED)
    })
  }

  test('a CRLF split between two chunks is one line end, not two', () => {
    const bytes = encoder.encode(STREAM('\r\n'))
    for (let cut = 0; cut <= bytes.length; cut++) {
      assert.deepEqual(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]), EXPECTED, `cut at ${cut}`)
    }
  })

  test('comments and keep-alives produce no events; a blank line with no data dispatches nothing', () => {
    assert.deepEqual(parseAll([encoder.encode(': ping\n\n:\n\n\n\nevent: x\n\n')]), [])
  })

  test('a leading byte-order mark is ignored', () => {
    assert.deepEqual(
      parseAll([Uint8Array.of(0xef, 0xbb), Uint8Array.of(0xbf), encoder.encode('data: a\n\n')]),
      [{ event: 'message', data: 'a' }],
    )
  })

  test('field without a colon, value without a space, unknown fields', () => {
    const events = parseAll([encoder.encode('data\ndata:x\nfoo: bar\nretry: 10\n\n')])
    assert.deepEqual(events, [{ event: 'message', data: '\nx' }])
  })

  test('an event without its closing blank line is not delivered at end of input, and is reported as partial', () => {
    const parser = new SseParser()
    assert.deepEqual(parser.push(encoder.encode('data: complete\n\ndata: cut off')), [
      { event: 'message', data: 'complete' },
    ])
    assert.equal(parser.hasPartialEvent, true)
    assert.deepEqual(parser.end(), [])
  })

  test('an oversized event fails with E_RESOURCE_LIMIT', () => {
    const parser = new SseParser({ maxEventChars: 1000 })
    assert.throws(
      () => {
        for (let index = 0; index < 100; index++) parser.push(encoder.encode(`data: ${'y'.repeat(50)}\n`))
      },
      (error: unknown) => error instanceof HubError && error.code === 'E_RESOURCE_LIMIT',
    )
  })

  test('an over-long line without a newline fails too', () => {
    const parser = new SseParser({ maxEventChars: 1000 })
    assert.throws(
      () => parser.push(encoder.encode('data: '.padEnd(5000, 'z'))),
      (error: unknown) => error instanceof HubError && error.code === 'E_RESOURCE_LIMIT',
    )
  })

  test('binary garbage does not throw and yields only what it spells', () => {
    const garbage = Uint8Array.from({ length: 4096 }, (_, index) => (index * 131 + 7) % 256)
    const events = parseAll([garbage])
    assert.ok(Array.isArray(events))
    for (const event of events) assert.equal(typeof event.data, 'string')
  })

  test('an id containing NUL is ignored', () => {
    assert.deepEqual(parseAll([encoder.encode('id: a\0b\ndata: x\n\n')]), [{ event: 'message', data: 'x' }])
  })
})
