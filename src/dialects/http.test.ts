import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../contracts/index.ts'
import { createDialectConverter, detectDialect } from './index.ts'

const converter = createDialectConverter({ maxBodyBytes: 64 * 1024 })
const adaos = {
  event_name: 'nlp.intent.detected',
  version: 1,
  ts: '2025-09-23T16:20:00Z',
  source: 'skill.nlp',
  correlation_id: 'c-1',
  payload: {},
}
const canonical = converter.toCanonical('adaos', adaos)
const samples = {
  canonical,
  pinchy: {
    version: 'v1',
    event_id: 'e1',
    trace_id: 't',
    occurred_at: '2026-01-01T00:00:00Z',
    event_type: 'heartbeat.tick',
    tenant_id: 'x',
    source: { component_type: 'cron', component_id: 'c' },
    routing: { agent_id: 'a', session_id: 's' },
    payload: {},
  },
  adaos,
  denis: converter.fromCanonical('denis', { ...canonical, sessionId: 'conv' }),
  cloudevents: converter.fromCanonical('cloudevents', canonical),
}
const code = (expected: string) => (error: unknown) => error instanceof HubError && error.code === expected

describe('detectDialect', () => {
  for (const [dialect, sample] of Object.entries(samples)) {
    test(`recognises ${dialect}`, () => {
      const detected = detectDialect(sample)
      assert.equal(detected.dialect, dialect)
      assert.ok(detected.reason.length > 0)
    })
  }
  test('says unknown, with a reason, for anything else', () => {
    for (const input of [{}, { hello: 1 }, [], null, 'x', { type: 'a.b' }]) {
      const detected = detectDialect(input)
      assert.equal(detected.dialect, 'unknown')
      assert.ok(detected.reason.length > 0)
    }
  })
})

describe('fromHttpRequest', () => {
  test('detects each dialect from a plain JSON body (string, bytes or parsed)', () => {
    for (const [dialect, sample] of Object.entries(samples)) {
      for (const body of [JSON.stringify(sample), Buffer.from(JSON.stringify(sample)), sample]) {
        const result = converter.fromHttpRequest({ headers: { 'content-type': 'application/json' }, body })
        assert.equal(result.dialect, dialect)
        assert.equal(result.mode, 'body')
        assert.deepEqual(result.envelope, converter.toCanonical(dialect as keyof typeof samples, sample))
      }
    }
  })

  test('honours dialect content types and the dialect hint, and refuses contradictions', () => {
    const structured = converter.fromHttpRequest({
      headers: { 'Content-Type': 'application/cloudevents+json; charset=utf-8' },
      body: JSON.stringify(samples.cloudevents),
    })
    assert.equal(structured.dialect, 'cloudevents')
    assert.deepEqual(structured.envelope, canonical)
    const pinchy = converter.fromHttpRequest({
      headers: { 'content-type': 'application/vnd.pinchy.v1+json' },
      body: JSON.stringify(samples.pinchy),
    })
    assert.equal(pinchy.dialect, 'pinchy')
    const hinted = converter.fromHttpRequest({ headers: {}, body: samples.adaos, dialectHint: 'adaos' })
    assert.equal(hinted.dialect, 'adaos')
    assert.throws(
      () => converter.fromHttpRequest({ headers: {}, body: samples.adaos, dialectHint: 'pinchy' }),
      code('E_VALIDATION'),
    )
    assert.throws(
      () =>
        converter.fromHttpRequest({
          headers: { 'content-type': 'application/vnd.pinchy.v1+json' },
          body: samples.pinchy,
          dialectHint: 'adaos',
        }),
      code('E_BAD_REQUEST'),
    )
    assert.throws(
      () => converter.fromHttpRequest({ headers: {}, body: samples.adaos, dialectHint: 'yaml' }),
      code('E_BAD_REQUEST'),
    )
  })

  test('binary mode is chosen by ce-* headers', () => {
    const message = converter.toHttpBinary(canonical)
    const result = converter.fromHttpRequest({ headers: message.headers, body: Buffer.from(message.body) })
    assert.equal(result.mode, 'binary')
    assert.deepEqual(result.envelope, canonical)
    assert.throws(
      () => converter.fromHttpRequest({ headers: message.headers, body: message.body, dialectHint: 'adaos' }),
      code('E_BAD_REQUEST'),
    )
  })

  test('malformed, oversized and garbage bodies get clear errors', () => {
    const cases: [Parameters<typeof converter.fromHttpRequest>[0], string][] = [
      [{ headers: {}, body: '{"event_name":' }, 'E_BAD_REQUEST'],
      [{ headers: {}, body: '' }, 'E_BAD_REQUEST'],
      [{ headers: {}, body: Buffer.from([0xff, 0xfe, 0x00, 0x81]) }, 'E_BAD_REQUEST'],
      [{ headers: {}, body: 'x'.repeat(70 * 1024) }, 'E_RESOURCE_LIMIT'],
      [{ headers: { 'content-type': 'text/xml' }, body: '<a/>' }, 'E_BAD_REQUEST'],
      [{ headers: { 'content-type': 'application/cloudevents-batch+json' }, body: '[]' }, 'E_BAD_REQUEST'],
      [{ headers: {}, body: '{"hello":1}' }, 'E_BAD_REQUEST'],
      [{ headers: { 'ce-id': 'x', 'ce-Bad_Name': 'y' }, body: '' }, 'E_BAD_REQUEST'],
      [{ headers: { 'ce-specversion': '1.0', 'ce-id': { toString: 1 } }, body: '' }, 'E_BAD_REQUEST'],
      [{ headers: { 'ce-specversion': '1.0', 'ce-id': '%zz' }, body: '' }, 'E_BAD_REQUEST'],
      [
        {
          headers: { 'ce-specversion': '1.0', 'ce-id': 'i', 'ce-source': '/s', 'ce-type': 'a.b' },
          body: '[1]',
        },
        'E_VALIDATION',
      ],
      [{ headers: null as never, body: '{}' }, 'E_BAD_REQUEST'],
    ]
    for (const [request, expected] of cases) {
      assert.throws(() => converter.fromHttpRequest(request), code(expected), JSON.stringify(request.headers))
    }
  })
})
