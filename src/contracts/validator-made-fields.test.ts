// validateEnvelope's `madeHere` (decision 1741): the fields the caller says it made lose only
// their pattern, format and length checks; every other field and the payload are checked as
// without it, and without it a bad id or ts is still refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { createContracts } from './validator.ts'

const contracts = createContracts(testRegistry())
const made = {
  id: '0193a4b2-7c3d-7000-8abc-0123456789ab',
  type: 'note.added',
  version: 1,
  ts: '2026-12-06T01:00:00.000Z',
  source: 'kernel',
  severity: 'info',
  traceId: '0193a4b2-7c3d-7000-8abc-0123456789ab',
  tenant: 'default',
  payload: { n: 1 },
}

test('a valid envelope passes with and without madeHere', () => {
  for (const mode of [undefined, 'id-and-ts', 'id-ts-and-trace'] as const)
    assert.equal(contracts.validateEnvelope(made, mode).ok, true)
})

test('without madeHere a malformed id, ts or traceId is refused', () => {
  assert.equal(contracts.validateEnvelope({ ...made, id: 'nope' }).ok, false)
  assert.equal(contracts.validateEnvelope({ ...made, ts: 'yesterday' }).ok, false)
  assert.equal(contracts.validateEnvelope({ ...made, traceId: '' }).ok, false)
  assert.equal(contracts.validateEnvelope({ ...made, traceId: '' }, 'id-and-ts').ok, false)
})

test('madeHere skips only the named fields, and keeps their type', () => {
  // The caller vouches for these: their shape checks are the ones skipped.
  assert.equal(contracts.validateEnvelope({ ...made, id: 'nope', ts: 'x' }, 'id-and-ts').ok, true)
  assert.equal(contracts.validateEnvelope({ ...made, id: 7 }, 'id-ts-and-trace').ok, false)
  assert.equal(contracts.validateEnvelope({ ...made, ts: 7 }, 'id-and-ts').ok, false)
  for (const mode of ['id-and-ts', 'id-ts-and-trace'] as const) {
    assert.equal(contracts.validateEnvelope({ ...made, severity: 'loud' }, mode).ok, false)
    assert.equal(contracts.validateEnvelope({ ...made, type: 'Note' }, mode).ok, false)
    assert.equal(contracts.validateEnvelope({ ...made, tenant: '' }, mode).ok, false)
    assert.equal(contracts.validateEnvelope({ ...made, extra: 1 }, mode).ok, false)
    assert.equal(contracts.validateEnvelope({ ...made, payload: { n: -1 } }, mode).ok, false)
    assert.equal(contracts.validateEnvelope({ ...made, payload: { n: 1, x: 1 } }, mode).ok, false)
    const { payload: _payload, ...noPayload } = made
    assert.equal(contracts.validateEnvelope(noPayload, mode).ok, false)
  }
})
