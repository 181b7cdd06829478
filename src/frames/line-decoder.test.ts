import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { createFrameValidator } from './frame-validator.ts'
import { LineDecoder } from './line-decoder.ts'

const validator = createFrameValidator()

function frame(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    session_id: 's',
    correlation_id: 'c',
    ts: '2026-12-05T00:00:00.000Z',
    version: '1.0',
    role: 'backend',
    frame_seq: 1,
    kind: 'tool_call',
    call_id: 'k',
    name: 'echo',
    arguments: { text: 'hi 한국어 🎉' },
    ...fields,
  }
}

const line = (value: unknown) => `${JSON.stringify(value)}\n`

describe('LineDecoder', () => {
  test('a valid frame is accepted; many lines in one read come out in order', () => {
    const decoder = new LineDecoder(validator, 1024 * 1024)
    const results = decoder.push(line(frame({ frame_seq: 1 })) + line(frame({ frame_seq: 2 })))
    assert.deepEqual(
      results.map((result) => result.ok && result.frame.frame_seq),
      [1, 2],
    )
  })

  test('a frame split inside a multi-byte character is joined; CRLF and blank lines are fine', () => {
    const decoder = new LineDecoder(validator, 1024 * 1024)
    const bytes = Buffer.from(`\n${line(frame()).replace('\n', '\r\n')}`)
    const cut = bytes.indexOf(Buffer.from('한')) + 1
    assert.deepEqual(decoder.push(bytes.subarray(0, cut)), [])
    assert.ok(decoder.pendingBytes > 0)
    const [result] = decoder.push(bytes.subarray(cut))
    assert.ok(result?.ok)
    assert.equal((result.frame.arguments as { text: string }).text, 'hi 한국어 🎉')
  })

  test('bad input is data: not UTF-8, not JSON, not an object, unknown kind, schema error, wrong version', () => {
    const decoder = new LineDecoder(validator, 1024 * 1024)
    const results = decoder.push(
      Buffer.concat([
        Buffer.from([0xff, 0xfe, 0x0a]),
        Buffer.from('{"kind": \n[1,2]\n'),
        Buffer.from(line(frame({ kind: 'nope' }))),
        Buffer.from(line(frame({ arguments: 'text' }))),
        Buffer.from(line(frame({ version: '2.0' }))),
        Buffer.from(line(frame({ frame_seq: undefined }))),
      ]),
    )
    const issues = results.map((result) => (result.ok ? undefined : result.issue))
    assert.deepEqual(
      issues.map((issue) => [issue?.code, issue?.path]),
      [
        ['invalid_frame', ''],
        ['invalid_frame', ''],
        ['invalid_frame', ''],
        ['invalid_frame', '/kind'],
        ['invalid_frame', '/arguments'],
        ['protocol_mismatch', '/version'],
        ['invalid_frame', '/frame_seq'],
      ],
    )
    assert.equal(issues[4]?.expected, 'object')
    assert.match(issues[4]?.got ?? '', /"text"/)
    assert.equal(issues[4]?.correlationId, 'c')
  })

  test('an oversized line is dropped up to its newline and reported once; the next line is read', () => {
    const decoder = new LineDecoder(validator, 1000)
    const big = line(frame({ arguments: { text: 'x'.repeat(5000) } }))
    const results = [
      ...decoder.push(big.slice(0, 700)),
      ...decoder.push(big.slice(700, 3000)),
      ...decoder.push(big.slice(3000) + line(frame())),
    ]
    assert.equal(results.length, 2)
    assert.equal(results[0]?.ok === false && results[0].issue.code, 'frame_too_large')
    assert.ok(results[1]?.ok)
    // The partial line is never held beyond the limit.
    decoder.push('y'.repeat(5000))
    assert.ok(decoder.pendingBytes <= 1001)
  })

  test('fuzz: any split of any mix of valid, malformed and oversized lines gives one result per line, in order', () => {
    const kinds = fc.constantFrom('valid', 'garbage', 'oversized', 'schema', 'bytes')
    fc.assert(
      fc.property(
        fc.array(fc.tuple(kinds, fc.string({ maxLength: 40 })), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
        (lines, cuts) => {
          const limit = 2000
          const parts: Buffer[] = []
          const expected: string[] = []
          for (const [kind, text] of lines) {
            if (kind === 'valid') {
              parts.push(Buffer.from(line(frame({ arguments: { text } }))))
              expected.push('ok')
            } else if (kind === 'garbage') {
              parts.push(Buffer.from(`{${text.replaceAll('\n', ' ')}\n`))
              expected.push('invalid_frame')
            } else if (kind === 'oversized') {
              parts.push(Buffer.from(line(frame({ arguments: { text: text + 'z'.repeat(limit) } }))))
              expected.push('frame_too_large')
            } else if (kind === 'schema') {
              parts.push(Buffer.from(line(frame({ name: '' }))))
              expected.push('invalid_frame')
            } else {
              parts.push(Buffer.concat([Buffer.from([0xc3, 0x28]), Buffer.from('\n')]))
              expected.push('invalid_frame')
            }
          }
          const bytes = Buffer.concat(parts)
          const decoder = new LineDecoder(validator, limit)
          const got: string[] = []
          let start = 0
          for (let index = 0; start < bytes.length; index++) {
            const size = cuts[index % cuts.length]!
            for (const result of decoder.push(bytes.subarray(start, start + size)))
              got.push(result.ok ? 'ok' : result.issue.code)
            start += size
          }
          assert.deepEqual(got, expected)
          assert.equal(decoder.pendingBytes, 0)
        },
      ),
      { numRuns: 200 },
    )
  })

  test('fuzz: arbitrary bytes never throw and never hold more than the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const decoder = new LineDecoder(validator, 256)
        for (const chunk of chunks) {
          for (const result of decoder.push(Buffer.from(chunk))) assert.equal(typeof result.ok, 'boolean')
          assert.ok(decoder.pendingBytes <= 257)
        }
      }),
      { numRuns: 300 },
    )
  })
})
