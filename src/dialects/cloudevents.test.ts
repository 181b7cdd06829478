import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CloudEvent, HTTP } from 'cloudevents'
import { createDialectConverter, decodeHeaderValue, encodeHeaderValue } from './index.ts'

const FIXED_NOW = new Date('2026-03-01T00:00:00.000Z')
const converter = createDialectConverter({ now: () => FIXED_NOW })
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

const envelope = {
  id: '0195f3a2-7c1e-7cc3-9d2e-dddddddddddd',
  type: 'chat.query',
  version: 1,
  ts: '2026-02-01T10:00:00.000Z',
  source: 'hub://h1/kernel',
  severity: 'info' as const,
  traceId: 'trace-1',
  causationId: 'cause-1',
  sessionId: 'session-1',
  tenant: 'default',
  idempotencyKey: 'idem-1',
  seq: 42,
  sessionSeq: 7,
  payload: { text_sha256: 'ab', text_len: 2 },
  meta: { routing: { hub: 'h1' } },
}

/** The oracle: the cloudevents package, in strict mode, accepts the object as a CloudEvent. */
function strictlyAccepted(event: Record<string, unknown>): CloudEvent<unknown> {
  const accepted = new CloudEvent(clone(event), true)
  assert.equal(accepted.validate(), true)
  return accepted
}

describe('CloudEvents 1.0 <-> canonical', () => {
  test('structured output is accepted by the cloudevents package in strict mode', () => {
    const structured = converter.fromCanonical('cloudevents', envelope)
    assert.equal(structured.specversion, '1.0')
    assert.equal(structured.traceid, 'trace-1')
    assert.equal(structured.datacontenttype, 'application/json')
    assert.deepEqual(structured.data, envelope.payload)
    for (const name of Object.keys(structured)) assert.match(name, /^[a-z0-9]{1,20}$/)
    strictlyAccepted(structured)
    assert.deepEqual(converter.toCanonical('cloudevents', structured), envelope)
  })

  test('a source that is no URI reference travels as a URN plus the localhubsource extension', () => {
    const spaced = { ...envelope, source: 'skill voice/stt "main" 100%' }
    const structured = converter.fromCanonical('cloudevents', spaced)
    assert.match(String(structured.source), /^urn:localhub:source:/)
    strictlyAccepted(structured)
    assert.deepEqual(converter.toCanonical('cloudevents', structured), spaced)
  })

  test('binary mode is accepted by HTTP.toEvent and converts back identically', () => {
    const unicode = { ...envelope, source: 'hub://h1/kernel', traceId: 'trace "ü" 100%' }
    const message = converter.toHttpBinary(unicode)
    assert.equal(message.headers['content-type'], 'application/json')
    assert.equal(message.headers['ce-traceid'], 'trace%20%22%C3%BC%22%20100%25')
    const parsed = HTTP.toEvent({ headers: message.headers, body: message.body }) as CloudEvent<unknown>
    strictlyAccepted({ ...parsed })
    assert.equal(parsed.type, 'chat.query')
    const result = converter.fromHttpRequest({ headers: message.headers, body: message.body })
    assert.equal(result.mode, 'binary')
    assert.deepEqual(result.envelope, unicode)
    assert.deepEqual(converter.toHttpBinary(result.envelope), message)
  })

  test('events made by the cloudevents package convert to canonical and back unchanged', () => {
    const made = new CloudEvent({
      type: 'com.example.object.created',
      source: 'https://example.com/objects',
      subject: 'object-7',
      datacontenttype: 'application/json',
      data: { name: 'seven', tags: ['a'] },
      partitionkey: 'p-1',
      retries: 2,
      urgent: true,
    })
    const json = JSON.parse(JSON.stringify(made)) as Record<string, unknown>
    const canonical = converter.toCanonical('cloudevents', json)
    assert.equal(canonical.id, made.id)
    assert.equal(canonical.type, 'com.example.object.created')
    assert.equal(canonical.traceId, made.id)
    assert.deepEqual((canonical.meta!.cloudevents as Record<string, unknown>).extensions, {
      partitionkey: 'p-1',
      retries: 2,
      urgent: true,
    })
    const back = converter.fromCanonical('cloudevents', canonical)
    assert.deepEqual(back, json)
    strictlyAccepted(back)

    const binary = HTTP.binary(made)
    const fromBinary = converter.fromHttpRequest({ headers: binary.headers, body: binary.body })
    assert.equal(fromBinary.envelope.id, made.id)
    assert.deepEqual(fromBinary.envelope.payload, { name: 'seven', tags: ['a'] })
  })

  test('a minimal event (no time, no data, no content type) round-trips without gaining fields', () => {
    const minimal = { specversion: '1.0', id: 'evt-1', source: '/sensors/1', type: 'sensor.reading.taken' }
    const canonical = converter.toCanonical('cloudevents', minimal)
    assert.equal(canonical.ts, FIXED_NOW.toISOString())
    assert.deepEqual(canonical.payload, {})
    assert.deepEqual(converter.fromCanonical('cloudevents', canonical), minimal)
  })

  test('what a payload cannot be is E_VALIDATION', () => {
    const base = { specversion: '1.0', id: 'e', source: '/s', type: 'sensor.reading.taken' }
    for (const bad of [
      { ...base, data: 'text' },
      { ...base, data: [1, 2] },
      { ...base, data_base64: 'Zm9v' },
      { ...base, datacontenttype: 'text/plain', data: { a: 1 } },
      { ...base, type: 'com.Example.Created' },
      { ...base, specversion: '0.3' },
      { ...base, source: 'has space' },
      { ...base, seq: 'seven' },
      { ...base, 'Bad-Name': 'x' },
    ]) {
      assert.throws(
        () => converter.toCanonical('cloudevents', bad),
        { code: 'E_VALIDATION' },
        JSON.stringify(bad),
      )
    }
  })

  test('header values are percent-encoded per the HTTP binding and decode back', () => {
    for (const value of ['plain', 'a b', '"q"', '100%', 'ü€𝄞', 'tab\tnew\nline']) {
      const encoded = encodeHeaderValue(value)
      assert.match(encoded, /^[\x21-\x7e]*$/)
      assert.equal(decodeHeaderValue(encoded, 'ce-x'), value)
    }
    assert.throws(() => decodeHeaderValue('%E0%A4%A', 'ce-x'), { code: 'E_BAD_REQUEST' })
  })
})
