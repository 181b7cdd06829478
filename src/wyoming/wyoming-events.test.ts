import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeWyomingEvent, parseWyomingUri, type WyomingEvent, WyomingReader } from './wyoming-events.ts'

test('the reader reassembles events split anywhere and refuses malformed ones', () => {
  const wire = Buffer.concat([
    encodeWyomingEvent('describe'),
    encodeWyomingEvent('audio-chunk', { rate: 16_000 }, Buffer.from([1, 2, 3, 4])),
  ])
  for (let step = 1; step <= wire.length; step += 7) {
    const reader = new WyomingReader()
    const events: WyomingEvent[] = []
    for (let at = 0; at < wire.length; at += step) events.push(...reader.push(wire.subarray(at, at + step)))
    assert.deepEqual(
      events.map((event) => [event.type, event.data, event.payload ? [...event.payload] : undefined]),
      [
        ['describe', {}, undefined],
        ['audio-chunk', { rate: 16_000 }, [1, 2, 3, 4]],
      ],
    )
  }
  for (const [line, pattern] of [
    ['not json\n', /not JSON/],
    ['{"data":{}}\n', /no type/],
    ['{"type":"x","payload_length":-1}\n', /payload_length must be/],
    ['{"type":"x","data_length":2}\n[]', /not a JSON object/],
  ] as const)
    assert.throws(() => new WyomingReader().push(Buffer.from(line)), pattern)
  assert.throws(() => new WyomingReader().push(Buffer.alloc(70_000, 0x41)), /too long/)
})

test('a Wyoming uri is tcp://host:port', () => {
  assert.deepEqual(parseWyomingUri('tcp://127.0.0.1:10300'), { host: '127.0.0.1', port: 10_300 })
  assert.deepEqual(parseWyomingUri('tcp://[::1]:10300/'), { host: '::1', port: 10_300 })
  for (const bad of ['http://x:1', 'tcp://x', 'tcp://x:0', 'tcp://x:70000'])
    assert.throws(() => parseWyomingUri(bad), /tcp:\/\/host:port/)
})

test('a reader with limits refuses a long header line even with its newline, and a payload over the limit', () => {
  const reader = new WyomingReader({ maxHeaderBytes: 100, maxPayloadBytes: 10 })
  assert.throws(
    () => reader.push(Buffer.from(`{"type":"x","data":{"pad":"${'a'.repeat(200)}"}}\n`)),
    (error: Error & { code?: string }) =>
      error.code === 'E_VALIDATION' && /more than 100 bytes/.test(error.message),
  )
  assert.throws(
    () => new WyomingReader({ maxPayloadBytes: 10 }).push(Buffer.from('{"type":"x","payload_length":11}\n')),
    (error: Error & { code?: string }) =>
      error.code === 'E_RESOURCE_LIMIT' && /over the limit of 10/.test(error.message),
  )
  const partial = new WyomingReader({ maxPayloadBytes: 10 })
  assert.deepEqual(partial.push(Buffer.from('{"type":"x","payload_length":4}\nab')), [])
  assert.equal(partial.pending, 2, 'an event whose payload has not all come is pending')
  assert.equal(partial.push(Buffer.from('cd'))[0]?.payload?.toString(), 'abcd')
  assert.equal(partial.pending, 0)
})
