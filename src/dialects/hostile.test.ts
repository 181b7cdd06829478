import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../contracts/index.ts'
import { createDialectConverter, DIALECTS } from './index.ts'

const converter = createDialectConverter({ maxDepth: 32 })

const adaos = {
  event_name: 'nlp.intent.detected',
  version: 1,
  ts: '2025-09-23T16:20:00Z',
  source: 'skill.nlp',
  correlation_id: 'c-1',
  payload: {},
}

function nested(depth: number): unknown {
  let value: unknown = {}
  for (let level = 0; level < depth; level++) value = { a: value }
  return value
}

const isHubError = (code: string) => (error: unknown) => error instanceof HubError && error.code === code

describe('hostile input', () => {
  test('__proto__ keys anywhere are rejected, and nothing reaches Object.prototype', () => {
    const inputs = [
      JSON.parse('{"__proto__":{"polluted":true},"event_name":"a.b"}'),
      { ...adaos, payload: JSON.parse('{"deep":{"__proto__":{"polluted":true}}}') },
      { ...adaos, headers: JSON.parse('{"__proto__":"x"}') },
    ]
    for (const input of inputs) {
      for (const dialect of DIALECTS) {
        assert.throws(
          () => converter.toCanonical(dialect, input),
          (error: unknown) => {
            assert.ok(error instanceof HubError)
            assert.equal(error.code, 'E_VALIDATION')
            assert.match(error.details?.issues?.[0]?.path ?? '', /__proto__$/)
            return true
          },
        )
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  test('constructor and prototype keys in a payload are plain data', () => {
    const payload = JSON.parse('{"constructor":{"prototype":{"polluted":true}},"prototype":1}')
    const envelope = converter.toCanonical('adaos', { ...adaos, payload })
    const back = converter.fromCanonical('cloudevents', envelope)
    assert.deepEqual(back.data, payload)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  test('deep nesting is refused before any recursion', () => {
    for (const depth of [33, 100_000]) {
      assert.throws(
        () => converter.toCanonical('adaos', { ...adaos, payload: nested(depth) }),
        isHubError('E_VALIDATION'),
      )
    }
    assert.doesNotThrow(() => converter.toCanonical('adaos', { ...adaos, payload: nested(20) }))
  })

  test('wrong types, non-objects and non-JSON values are E_VALIDATION', () => {
    const bad: unknown[] = [
      null,
      'string',
      42,
      [adaos],
      { ...adaos, version: '1' },
      { ...adaos, payload: [] },
      { ...adaos, payload: { n: Number.NaN } },
      { ...adaos, payload: { f: () => 1 } },
      { ...adaos, payload: { d: new Date() } },
      { ...adaos, source: 'x'.repeat(10_000) },
      { ...adaos, correlation_id: 'x'.repeat(201) },
    ]
    for (const input of bad)
      assert.throws(() => converter.toCanonical('adaos', input), isHubError('E_VALIDATION'))
  })

  test('huge strings inside a payload pass through untouched (size limits belong to the bus)', () => {
    const big = 'x'.repeat(2_000_000)
    const envelope = converter.toCanonical('adaos', { ...adaos, payload: { big } })
    assert.equal(envelope.payload.big, big)
  })

  test('an unknown dialect name is E_BAD_REQUEST', () => {
    assert.throws(() => converter.toCanonical('xml' as never, adaos), isHubError('E_BAD_REQUEST'))
    assert.throws(() => converter.fromCanonical('constructor' as never, {}), isHubError('E_BAD_REQUEST'))
  })

  test('fromCanonical rejects a malformed canonical envelope and a hostile meta.<dialect>', () => {
    const envelope = converter.toCanonical('adaos', adaos)
    assert.throws(
      () => converter.fromCanonical('pinchy', { ...envelope, id: 'nope' }),
      isHubError('E_VALIDATION'),
    )
    for (const dialect of ['pinchy', 'adaos', 'denis', 'cloudevents'] as const) {
      assert.throws(
        () =>
          converter.fromCanonical(dialect, {
            ...envelope,
            sessionId: 's',
            meta: { [dialect]: 'not an object' },
          }),
        isHubError('E_VALIDATION'),
        dialect,
      )
    }
  })
})
