// What decision 2076 relies on: an envelope the bus's own contracts vouched for (a turn's event,
// checked at its emit) is not validated again by the bus, while its guardrails still run; any
// change to what was checked, a second hand-over, or another contracts' mark means a full check.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { type Contracts, createContracts, createGuardrails, type Envelope } from '../contracts/index.ts'
import { prepareEnvelope } from './prepare-envelope.ts'
import { uuidV7 } from './uuid-v7.ts'

const registry = testRegistry()
const guardrails = createGuardrails(registry)
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0)
const SECRET = 'sk-live-4eC39HqLyjWDarjtT1zdp7dc'

/** `real`, counting the envelopes it is asked to validate. */
function counting(real: Contracts): { contracts: Contracts; checked: unknown[] } {
  const checked: unknown[] = []
  const contracts: Contracts = {
    registry: real.registry,
    options: real.options,
    entry: (type, version) => real.entry(type, version),
    validatePayload: (type, version, payload) => real.validatePayload(type, version, payload),
    validateEnvelope(input, madeHere) {
      checked.push(input)
      return real.validateEnvelope(input, madeHere)
    },
    vouchEnvelope: (input, madeHere) => real.vouchEnvelope(input, madeHere),
    takeVouched: (value) => real.takeVouched(value),
  }
  return { contracts, checked }
}

function envelopeOf(payload: Record<string, unknown>): Envelope {
  return {
    id: uuidV7(NOW),
    type: 'note.added',
    version: 1,
    ts: new Date(NOW).toISOString(),
    source: 'kernel',
    severity: 'info',
    traceId: 'trace-1',
    sessionId: 's1',
    tenant: 'default',
    payload,
  }
}

test('a vouched envelope is taken without a second check, and its guardrails still run', () => {
  const real = createContracts(registry)
  const envelope = envelopeOf({ n: 1, title: `deploy with ${SECRET}` })
  assert.ok(real.vouchEnvelope(envelope).ok)
  const { contracts, checked } = counting(real)
  const prepared = prepareEnvelope(envelope, NOW, { contracts, guardrails, defaultSource: 'test' })
  assert.ok(prepared.ok)
  assert.equal(checked.length, 0, 'not validated again')
  assert.equal(prepared.full.id, envelope.id)
  assert.equal(prepared.full.ts, envelope.ts)
  assert.deepEqual(Object.keys(prepared.full), [
    'id',
    'type',
    'version',
    'ts',
    'source',
    'severity',
    'traceId',
    'sessionId',
    'tenant',
    'payload',
  ])
  assert.ok(!JSON.stringify(prepared.envelope).includes(SECRET), 'the stored form is guarded')
})

test('the mark is spent by the first hand-over: the same envelope again is checked', () => {
  const real = createContracts(registry)
  const envelope = envelopeOf({ n: 2 })
  real.vouchEnvelope(envelope)
  const { contracts, checked } = counting(real)
  const settings = { contracts, guardrails, defaultSource: 'test' }
  assert.ok(prepareEnvelope(envelope, NOW, settings).ok)
  assert.ok(prepareEnvelope(envelope, NOW, settings).ok)
  assert.equal(checked.length, 1)
})

test('a vouched envelope changed after its check is checked, and refused when now invalid', () => {
  const real = createContracts(registry)
  const { contracts, checked } = counting(real)
  const settings = { contracts, guardrails, defaultSource: 'test' }
  const changes: ((envelope: Record<string, unknown>) => void)[] = [
    (envelope) => {
      envelope.payload = { n: -1 }
    },
    (envelope) => {
      envelope.type = 'llm.token'
      envelope.payload = { n: 'x' }
    },
    (envelope) => {
      envelope.version = 2
    },
    (envelope) => {
      envelope.colour = 'red'
    },
  ]
  for (const change of changes) {
    const envelope = envelopeOf({ n: 3 })
    assert.ok(real.vouchEnvelope(envelope).ok)
    change(envelope as unknown as Record<string, unknown>)
    const before = checked.length
    const prepared = prepareEnvelope(envelope, NOW, settings)
    assert.equal(checked.length, before + 1, String(change))
    assert.equal(prepared.ok, false, String(change))
  }
})

test("another contracts instance's mark is not this one's; a key derived from the payload is checked", () => {
  const real = createContracts(registry)
  const { contracts, checked } = counting(real)
  const settings = { contracts, guardrails, defaultSource: 'test' }
  const elsewhere = envelopeOf({ n: 4 })
  assert.ok(createContracts(registry).vouchEnvelope(elsewhere).ok)
  assert.ok(prepareEnvelope(elsewhere, NOW, settings).ok)
  assert.equal(checked.length, 1)
  // note.added derives its idempotency key from noteId: a field the vouched envelope did not have.
  const keyed = envelopeOf({ n: 5, noteId: 'note-5' })
  assert.ok(real.vouchEnvelope(keyed).ok)
  const prepared = prepareEnvelope(keyed, NOW, settings)
  assert.ok(prepared.ok)
  assert.equal(prepared.full.idempotencyKey, 'note-5')
  assert.equal(checked.length, 2)
})

test('an invalid envelope gets no mark', () => {
  const real = createContracts(registry)
  const envelope = envelopeOf({ n: -1 })
  assert.equal(real.vouchEnvelope(envelope).ok, false)
  assert.equal(real.takeVouched(envelope), false)
})
