import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ADAOS_CARRIER_HEADER, createDialectConverter } from './index.ts'

const converter = createDialectConverter()
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

// Seed 001's mandatory envelope, with its nlp.intent.detected body as payload.
const intentDetected = {
  event_name: 'nlp.intent.detected',
  version: 1,
  ts: '2025-09-23T16:20:00Z',
  source: 'skill.nlp@hostA',
  correlation_id: 'c-7f8b',
  causation_id: 'e-19ab',
  tenant: 'default',
  headers: { idempotency_key: 'intent:123' },
  payload: { intent: 'weather.get', confidence: 0.84, slots: { city: 'Riga' }, locale: 'ru-RU' },
}

describe('AdaOS <-> canonical', () => {
  test('maps event_name, correlation_id, causation_id, tenant and headers.idempotency_key', () => {
    const envelope = converter.toCanonical('adaos', clone(intentDetected))
    assert.equal(envelope.type, 'nlp.intent.detected')
    assert.equal(envelope.version, 1)
    assert.equal(envelope.traceId, 'c-7f8b')
    assert.equal(envelope.causationId, 'e-19ab')
    assert.equal(envelope.tenant, 'default')
    assert.equal(envelope.idempotencyKey, 'intent:123')
    assert.equal(envelope.source, 'skill.nlp@hostA')
    assert.deepEqual(envelope.meta, { adaos: { defaulted: ['id', 'severity'] } })
  })

  test('the seed example round-trips byte for byte, and its derived id is stable', () => {
    const envelope = converter.toCanonical('adaos', clone(intentDetected))
    assert.equal(converter.toCanonical('adaos', clone(intentDetected)).id, envelope.id)
    assert.equal(JSON.stringify(converter.fromCanonical('adaos', envelope)), JSON.stringify(intentDetected))
  })

  test('an absent tenant is defaulted and stays absent on the way back', () => {
    const { tenant: _tenant, headers: _headers, ...minimal } = clone(intentDetected)
    const envelope = converter.toCanonical('adaos', minimal)
    assert.equal(envelope.tenant, 'default')
    assert.deepEqual(converter.fromCanonical('adaos', envelope), minimal)
  })

  test('other headers ride in meta.adaos.headers; an empty headers object survives', () => {
    const withHeaders = {
      ...clone(intentDetected),
      headers: { traceparent: '00-abc-def-01', 'nats-msg-id': 'n1' },
    }
    const envelope = converter.toCanonical('adaos', withHeaders)
    assert.equal(envelope.idempotencyKey, undefined)
    assert.deepEqual((envelope.meta!.adaos as Record<string, unknown>).headers, withHeaders.headers)
    assert.deepEqual(converter.fromCanonical('adaos', envelope), withHeaders)
    const empty = { ...clone(intentDetected), headers: {} }
    assert.deepEqual(converter.fromCanonical('adaos', converter.toCanonical('adaos', empty)), empty)
  })

  test('canonical -> AdaOS -> canonical is identical via the x-localhub header', () => {
    const envelope = {
      id: '0195f3a2-7c1e-7cc3-9d2e-bbbbbbbbbbbb',
      type: 'repo.skill.installed',
      version: 3,
      ts: '2026-01-31T12:00:00.000Z',
      source: 'hub://h1/repo',
      severity: 'warn' as const,
      traceId: 't-1',
      sessionId: 'session-1',
      tenant: 'acme',
      idempotencyKey: 'install:x',
      seq: 99,
      sessionSeq: 5,
      payload: { name: 'x' },
      meta: {},
    }
    const adaos = converter.fromCanonical('adaos', clone(envelope))
    const headers = adaos.headers as Record<string, string>
    assert.equal(headers.idempotency_key, 'install:x')
    assert.deepEqual(JSON.parse(headers[ADAOS_CARRIER_HEADER]!), {
      id: envelope.id,
      severity: 'warn',
      sessionId: 'session-1',
      seq: 99,
      sessionSeq: 5,
      meta: {},
    })
    assert.deepEqual(converter.toCanonical('adaos', adaos), envelope)
  })

  test('x-localhub must be the hub s own compact JSON', () => {
    for (const carrier of [
      '{not json',
      '{ "severity": "warn" }',
      '{"severity":"loud"}',
      '{"version":2}',
      '[]',
    ]) {
      const event = { ...clone(intentDetected), headers: { [ADAOS_CARRIER_HEADER]: carrier } }
      assert.throws(() => converter.toCanonical('adaos', event), { code: 'E_VALIDATION' }, carrier)
    }
  })

  test('invalid AdaOS envelopes name the offending field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...clone(intentDetected), event_name: 'NotDotted' }, '/event_name'],
      [{ ...clone(intentDetected), version: 0 }, '/version'],
      [{ ...clone(intentDetected), headers: { retry: 3 } }, '/headers/retry'],
      [{ ...clone(intentDetected), ts: 'yesterday' }, '/ts'],
      [{ ...clone(intentDetected), extra: true }, '/extra'],
    ]
    for (const [event, path] of cases) {
      assert.throws(
        () => converter.toCanonical('adaos', event),
        (error: { code?: string; details?: { issues?: { path: string }[] } }) =>
          error.code === 'E_VALIDATION' &&
          error.details?.issues?.some((issue) => issue.path === path) === true,
        path,
      )
    }
  })
})
