import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../../contracts/index.ts'
import { NdjsonParser } from './ndjson-parser.ts'

const encoder = new TextEncoder()

function feedBytewise(parser: NdjsonParser, text: string): unknown[] {
  const values: unknown[] = []
  for (const byte of encoder.encode(text)) values.push(...parser.push(Uint8Array.of(byte)))
  values.push(...parser.end())
  return values
}

const LINES = [
  { model: 'm', message: { role: 'assistant', content: 'héllo 🌍' }, done: false },
  { model: 'm', message: { role: 'assistant', content: ' – ünïcødé 日本' }, done: false },
  { model: 'm', done: true, done_reason: 'stop', eval_count: 2 },
]

describe('NdjsonParser', () => {
  test('parses lines fed one byte at a time, multi-byte characters split across chunks', () => {
    const text = LINES.map((line) => `${JSON.stringify(line)}\n`).join('')
    assert.deepEqual(feedBytewise(new NdjsonParser(), text), LINES)
  })

  test('parses the same stream split at every possible offset into two chunks', () => {
    const bytes = encoder.encode(LINES.map((line) => `${JSON.stringify(line)}\r\n`).join(''))
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = new NdjsonParser()
      const values = [
        ...parser.push(bytes.subarray(0, cut)),
        ...parser.push(bytes.subarray(cut)),
        ...parser.end(),
      ]
      assert.deepEqual(values, LINES, `cut at ${cut}`)
    }
  })

  test('skips blank lines, accepts CRLF and a last line without a newline', () => {
    const parser = new NdjsonParser()
    const values = [...parser.push(encoder.encode('\n\r\n{"a":1}\r\n\n  \n{"b":2}')), ...parser.end()]
    assert.deepEqual(values, [{ a: 1 }, { b: 2 }])
  })

  test('returns nothing until a line is complete', () => {
    const parser = new NdjsonParser()
    assert.deepEqual(parser.push(encoder.encode('{"a":')), [])
    assert.deepEqual(parser.push(encoder.encode('1}')), [])
    assert.deepEqual(parser.push(encoder.encode('\n')), [{ a: 1 }])
  })

  test('bad JSON is an E_IO HubError with an excerpt, not a crash', () => {
    const parser = new NdjsonParser()
    assert.throws(
      () => parser.push(encoder.encode('{"a":1}\n{not json}\n')),
      (error: unknown) =>
        error instanceof HubError && error.code === 'E_IO' && error.message.includes('{not json}'),
    )
  })

  test('binary garbage is rejected as E_IO', () => {
    const parser = new NdjsonParser()
    const garbage = Uint8Array.from({ length: 64 }, (_, index) => (index * 37 + 11) % 256)
    assert.throws(
      () => {
        parser.push(garbage)
        parser.push(encoder.encode('\n'))
        parser.end()
      },
      (error: unknown) => error instanceof HubError && error.code === 'E_IO',
    )
  })

  test('an over-long line fails with E_RESOURCE_LIMIT instead of buffering forever', () => {
    const parser = new NdjsonParser({ maxLineChars: 100 })
    assert.throws(
      () => {
        for (let index = 0; index < 20; index++) parser.push(encoder.encode('xxxxxxxxxx'))
      },
      (error: unknown) => error instanceof HubError && error.code === 'E_RESOURCE_LIMIT',
    )
  })

  test('__proto__ keys stay plain data and do not pollute prototypes', () => {
    const parser = new NdjsonParser()
    const [value] = parser.push(encoder.encode('{"__proto__":{"polluted":true},"constructor":{"x":1}}\n'))
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(Object.hasOwn(value as object, '__proto__'), true)
  })

  test('deep nesting fails cleanly or parses, never crashes the process', () => {
    const parser = new NdjsonParser()
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}\n`
    try {
      parser.push(encoder.encode(deep))
    } catch (error) {
      assert.ok(error instanceof HubError)
      assert.equal(error.code, 'E_IO')
    }
  })
})
