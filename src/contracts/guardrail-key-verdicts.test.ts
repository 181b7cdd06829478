// Denied-key verdicts are remembered by key (decision 1763): the answer for every key must be the
// one the name match gives, on first sight, when remembered, and after the bounded memory restarts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import type { Envelope } from './envelope.ts'
import { DEFAULT_REMEMBERED_KEY_NAMES } from './guardrail-sanitize.ts'
import { createGuardrails } from './guardrails.ts'

const ID = '0190f5a0-0000-7000-8000-000000000000'

function envelopeWith(payload: Record<string, unknown>): Envelope {
  return {
    id: ID,
    type: 'note.added',
    version: 1,
    ts: '2026-12-06T05:00:00.000Z',
    source: 'test',
    severity: 'info',
    traceId: ID,
    tenant: 'default',
    payload,
  } as unknown as Envelope
}

test('denied keys are dropped every time, past the bound of remembered keys too', () => {
  const guard = createGuardrails(testRegistry())
  const distinct = DEFAULT_REMEMBERED_KEY_NAMES + 500
  for (let round = 0; round < 2; round++) {
    for (let index = 0; index < distinct; index++) {
      const payload = { [`field${index}`]: 1, password: 'x', 'X-Api-Key': 'y', note: 'kept' }
      const guarded = guard(envelopeWith(payload))
      const summary = guarded.payload._guardrails as { dropped: string[] }
      assert.deepEqual(
        summary.dropped,
        ['/payload/password', '/payload/X-Api-Key'],
        `round ${round} ${index}`,
      )
      assert.equal(guarded.payload[`field${index}`], 1)
      assert.equal(guarded.payload.note, 'kept')
    }
  }
  // A key remembered as allowed stays allowed; one that only looks like a denied one too.
  const clean = guard(envelopeWith({ tokens_used: 3, passage: 'p' }))
  assert.equal(clean.payload._guardrails, undefined)
})
