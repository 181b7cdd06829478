import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Envelope } from '../../../src/contracts/index.ts'
import { EventStore } from './event-store.ts'
import { agentState, agentsOf, latestRegistryEventId, leaseText, recentPlanEvents } from './registry-view.ts'

const event = (id: string, type: string, payload: Record<string, unknown> = {}) =>
  ({ id, type, payload, ts: '2026-01-01T00:00:00Z' }) as unknown as Envelope

describe('registry view helpers', () => {
  test('the reload key is the newest registry-changing event; plans list route changes and leases', () => {
    const store = new EventStore(10)
    assert.equal(latestRegistryEventId(store), '')
    store.push([
      event('a', 'registry.capability.announced'),
      event('b', 'chat.query'),
      event('c', 'route.changed'),
    ])
    assert.equal(latestRegistryEventId(store), 'c')
    store.push([
      event('d', 'registry.lease.expired'),
      event('e', 'llm.token'),
      event('f', 'exec.lease.granted'),
    ])
    assert.equal(latestRegistryEventId(store), 'f')
    assert.deepEqual(
      recentPlanEvents(store).map((item) => item.id),
      ['f', 'c'],
    )
  })

  test('lease text, status and tolerant reading of GET /registry', () => {
    const now = Date.parse('2026-01-01T00:00:10Z')
    assert.equal(leaseText({ leaseExpiresAt: '2026-01-01T00:00:14Z', leased: true }, now), '4 s left')
    assert.equal(leaseText({ leaseExpiresAt: '2026-01-01T00:00:08Z', leased: false }, now), 'expired 2 s ago')
    // The hub saw it run out a moment before the page's clock did.
    assert.equal(
      leaseText({ leaseExpiresAt: '2026-01-01T00:00:10.400Z', leased: false }, now),
      'expired 0 s ago',
    )
    assert.equal(leaseText({ leaseExpiresAt: 'not a date', leased: true }, now), '?')
    assert.equal(agentState({ status: 'up', leased: false }), 'lease expired')
    assert.equal(agentState({ status: 'degraded', leased: true }), 'degraded')
    assert.deepEqual(
      agentsOf({ agents: [{ agent: 'agent://hub/h', capabilities: [] }, { agent: 3 }, null] }).length,
      1,
    )
    assert.deepEqual(agentsOf('nonsense'), [])
  })
})
