import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type HostState, hostHealth } from './host-health.ts'

type State = HostState<'waiting' | 'refused'>

test('host health: ready, degraded while it may recover, unavailable when lasting or closing', () => {
  const health = (state: State) => hostHealth(state, ['refused'])
  assert.deepEqual(health({ name: 'ready' }), { state: 'ready' })
  assert.deepEqual(health({ name: 'waiting', reason: 'no host yet' }), {
    state: 'degraded',
    reason: 'no host yet',
  })
  assert.deepEqual(health({ name: 'refused', reason: 'bad manifest' }), {
    state: 'unavailable',
    reason: 'bad manifest',
  })
  assert.deepEqual(health({ name: 'closed' }), { state: 'unavailable', reason: 'the hub is closing' })
})
