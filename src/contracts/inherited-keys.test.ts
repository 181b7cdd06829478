// The own-key checks inside for…in loops (decision 1762: `hasOwnProperty.call` instead of
// `Object.hasOwn`, same answer): a key a value only inherits is neither measured nor guarded.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import type { Envelope } from './envelope.ts'
import { createGuardrails } from './guardrails.ts'
import { measureJson } from './measure.ts'

function inheriting(
  inherited: Record<string, unknown>,
  own: Record<string, unknown>,
): Record<string, unknown> {
  return Object.assign(Object.create(inherited) as Record<string, unknown>, own)
}

test('measureJson counts own keys only', () => {
  const own = { n: 1, title: 'note' }
  const value = inheriting({ extra: 'x'.repeat(1000), deep: [[[[1]]]] }, own)
  assert.deepEqual(measureJson(value, 10_000, 64), measureJson(own, 10_000, 64))
  assert.equal(measureJson(value, 100, 2).exceeded, undefined)
})

test('guardrails leave inherited keys alone and guard own ones', () => {
  const guard = createGuardrails(testRegistry())
  const payload = inheriting({ password: 'hunter2', note: 'x'.repeat(10_000) }, { n: 1, title: 'ok' })
  const envelope = {
    id: '0190f5a0-0000-7000-8000-000000000000',
    type: 'note.added',
    version: 1,
    ts: '2026-12-06T05:00:00.000Z',
    source: 'test',
    severity: 'info',
    traceId: '0190f5a0-0000-7000-8000-000000000000',
    tenant: 'default',
    payload,
  } as unknown as Envelope
  assert.equal(guard(envelope), envelope, 'nothing own to change: the same envelope')
  const ownSecret = inheriting({ password: 'hunter2' }, { n: 1, password: 'hunter2' })
  const guarded = guard({ ...envelope, payload: ownSecret } as Envelope)
  assert.deepEqual((guarded.payload._guardrails as { dropped: string[] }).dropped, ['/payload/password'])
})
