import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../../test/kit/manual-clock.ts'
import type { Envelope, HubError } from '../contracts/index.ts'
import { ExecTokenSigner } from './exec-token.ts'
import { FederationService } from './federation-service.ts'
import { manifestOf, recordingBus } from './federation-test-kit.ts'

const START = Date.parse('2026-01-01T00:00:00Z')
const signer = ExecTokenSigner.generate()
const PLAN = { planId: 'p1', steps: [{ id: 'speak', need: 'capability://tts' }], slots: { text: 'hello' } }

async function setUp(stored: Envelope[] = []) {
  const clock = new ManualClock(START)
  const bus = recordingBus(stored)
  const service = await FederationService.open({ bus, clock, signer, options: { execTokenTtlMs: 30_000 } })
  return { clock, bus, service }
}

async function refusal(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise
  } catch (error) {
    return error as HubError
  }
  assert.fail('expected a refusal')
}

const typesOf = (events: Envelope[]) => events.map((event) => event.type)

describe('federation service', () => {
  test('resolve leases each step with a token that /exec accepts once', async () => {
    const { bus, service } = await setUp()
    await service.announce(manifestOf('agent://member/m', [{ id: 'tts', prio: 90 }], { ttlMs: 10_000 }))
    const answer = await service.resolve(PLAN, { traceId: 'trace-1' })
    assert.equal(answer.planId, 'p1')
    const [binding] = answer.bindings
    assert.equal(binding?.agent, 'agent://member/m')
    const granted = bus.published.find((event) => event.type === 'exec.lease.granted')
    assert.equal((granted?.payload as { leaseId?: string } | undefined)?.leaseId, binding?.leaseId)
    assert.equal(granted?.traceId, 'trace-1')
    const accepted = await service.exec({
      token: binding?.execToken as string,
      stepId: 'speak',
      slots: { text: 'hello' },
    })
    assert.equal(accepted.leaseId, binding?.leaseId)
    const again = await refusal(service.exec({ token: binding?.execToken as string, stepId: 'speak' }))
    assert.equal(again.details?.reason, 'used')
    assert.equal(
      (await refusal(service.exec({ token: binding?.execToken as string, stepId: 'other' }))).details?.reason,
      'wrong_step',
    )
  })

  test('an expired agent lease is never chosen; the plan moves with route.changed and the old token is refused', async () => {
    const { bus, clock, service } = await setUp()
    await service.announce(manifestOf('agent://member/fast', [{ id: 'tts', prio: 90 }], { ttlMs: 2000 }))
    await service.announce(manifestOf('agent://hub/slow', [{ id: 'tts', prio: 40 }], { ttlMs: 60_000 }))
    const first = await service.resolve(PLAN)
    assert.equal(first.bindings[0]?.agent, 'agent://member/fast')
    clock.advance(2500)
    await service.sweep()
    const stale = await refusal(
      service.exec({ token: first.bindings[0]?.execToken as string, stepId: 'speak' }),
    )
    assert.equal(stale.code, 'E_DEPENDENCY_UNAVAILABLE')
    const second = await service.resolve({ ...PLAN, sessionId: 's-1' })
    assert.equal(second.bindings[0]?.agent, 'agent://hub/slow')
    assert.deepEqual(second.routeChanges, [
      {
        stepId: 'speak',
        fromAgent: 'agent://member/fast',
        toAgent: 'agent://hub/slow',
        reason: 'lease_expired',
      },
    ])
    const changed = bus.published.filter((event) => event.type === 'route.changed')
    assert.equal(changed[0]?.sessionId, 's-1')
    assert.deepEqual(changed[0]?.payload, {
      planId: 'p1',
      stepId: 'speak',
      fromAgent: 'agent://member/fast',
      toAgent: 'agent://hub/slow',
      reason: 'lease_expired',
      degraded: false,
    })
    // The agent comes back, but the step was re-routed: its old token stays refused.
    await service.heartbeat({ agent: 'agent://member/fast', status: 'up', ttlMs: 2000 })
    assert.equal(
      (await refusal(service.exec({ token: first.bindings[0]?.execToken as string, stepId: 'speak' })))
        .details?.reason,
      'revoked',
    )
    await service.exec({ token: second.bindings[0]?.execToken as string, stepId: 'speak' })
    // Resolving again keeps the step where it runs (no flip back to the higher prio).
    const third = await service.resolve(PLAN)
    assert.equal(third.bindings[0]?.agent, 'agent://hub/slow')
    assert.deepEqual(third.routeChanges, [])
    await service.close()
  })

  test('a failed probe or a down status moves the step with its reason; nothing left degrades', async () => {
    const { bus, service } = await setUp()
    await service.announce(manifestOf('agent://member/a', [{ id: 'tts', prio: 90 }]))
    await service.announce(manifestOf('agent://member/b', [{ id: 'tts', prio: 50 }]))
    await service.resolve(PLAN)
    await service.heartbeat({
      agent: 'agent://member/a',
      status: 'up',
      ttlMs: 10_000,
      probes: [{ capability: 'capability://tts', ok: false }],
    })
    assert.equal((await service.resolve(PLAN)).routeChanges[0]?.reason, 'probe_failed')
    await service.heartbeat({ agent: 'agent://member/b', status: 'down', ttlMs: 10_000 })
    const error = await refusal(service.resolve(PLAN))
    assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
    const last = bus.published.filter((event) => event.type === 'route.changed').at(-1)
    assert.deepEqual(last?.payload, {
      planId: 'p1',
      stepId: 'speak',
      fromAgent: 'agent://member/b',
      toAgent: null,
      reason: 'agent_down',
      degraded: true,
    })
    await service.close()
  })

  test('resolving a plan again voids its unstarted tokens: one startable lease per step', async () => {
    const { service } = await setUp()
    await service.announce(manifestOf('agent://member/m', [{ id: 'tts' }]))
    const first = await service.resolve(PLAN)
    const second = await service.resolve(PLAN)
    assert.equal(second.bindings[0]?.agent, first.bindings[0]?.agent)
    const stale = await refusal(
      service.exec({ token: first.bindings[0]?.execToken as string, stepId: 'speak' }),
    )
    assert.equal(stale.details?.reason, 'revoked')
    await service.exec({ token: second.bindings[0]?.execToken as string, stepId: 'speak' })
    // Another plan's lease of a step with the same id is not touched.
    const other = await service.resolve({ ...PLAN, planId: 'p2' })
    await service.resolve(PLAN)
    await service.exec({ token: other.bindings[0]?.execToken as string, stepId: 'speak' })
    await service.close()
  })

  test('bad resolve and exec bodies are refused without publishing', async () => {
    const { bus, service } = await setUp()
    await service.announce(manifestOf('agent://member/a', [{ id: 'tts' }]))
    const before = bus.published.length
    for (const [body, path] of [
      [{ steps: [] }, '/steps'],
      [{ steps: [{ id: 's', need: 'tts' }] }, '/steps/0/need'],
      [{ ...PLAN, slots: 'x' }, '/slots'],
      [{ ...PLAN, sessionId: 'no spaces allowed' }, '/sessionId'],
      [{ ...PLAN, slots: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }, '/slots'],
    ] as const) {
      const error = await refusal(service.resolve(body))
      assert.equal(error.code, 'E_VALIDATION')
      assert.equal(error.details?.issues?.[0]?.path, path)
    }
    assert.equal(bus.published.length, before)
    assert.equal((await refusal(service.exec({ token: 'nope', stepId: 's' }))).details?.reason, 'malformed')
  })

  test('after a restart a started lease stays started and a re-routed one stays revoked', async () => {
    const { bus, clock, service } = await setUp()
    await service.announce(manifestOf('agent://member/a', [{ id: 'tts', prio: 90 }], { ttlMs: 600_000 }))
    await service.announce(manifestOf('agent://member/b', [{ id: 'tts', prio: 50 }], { ttlMs: 600_000 }))
    const first = await service.resolve(PLAN)
    await service.heartbeat({ agent: 'agent://member/a', status: 'down', ttlMs: 600_000 })
    const second = await service.resolve(PLAN)
    await service.exec({ token: second.bindings[0]?.execToken as string, stepId: 'speak' })
    await service.close()
    const restarted = await FederationService.open({ bus: recordingBus(bus.stored), clock, signer })
    // Heartbeats are not stored: agent a is up again as announced, yet its re-routed lease stays revoked.
    assert.equal(
      (await refusal(restarted.exec({ token: first.bindings[0]?.execToken as string, stepId: 'speak' })))
        .details?.reason,
      'revoked',
    )
    assert.equal(
      (await refusal(restarted.exec({ token: second.bindings[0]?.execToken as string, stepId: 'speak' })))
        .details?.reason,
      'used',
    )
    assert.deepEqual(
      typesOf(bus.stored).filter((type) => type === 'registry.heartbeat'),
      [],
    )
    await restarted.close()
  })

  test('leases and remembered plans are bounded', async () => {
    const clock = new ManualClock(START)
    const bus = recordingBus()
    const service = await FederationService.open({
      bus,
      clock,
      signer,
      options: { maxLeases: 2, maxPlans: 1, execTokenTtlMs: 1000 },
    })
    await service.announce(manifestOf('agent://member/a', [{ id: 'tts', prio: 90 }], { ttlMs: 600_000 }))
    await service.announce(manifestOf('agent://member/b', [{ id: 'tts', prio: 10 }], { ttlMs: 600_000 }))
    await service.resolve({ ...PLAN, planId: 'p1' })
    await service.resolve({ ...PLAN, planId: 'p2' })
    assert.equal((await refusal(service.resolve({ ...PLAN, planId: 'p3' }))).code, 'E_RESOURCE_LIMIT')
    clock.advance(1000)
    await service.resolve({ ...PLAN, planId: 'p3' })
    // p1 was forgotten (maxPlans 1): resolving it again after a move reports no route change.
    await service.heartbeat({ agent: 'agent://member/a', status: 'down', ttlMs: 600_000 })
    const again = await service.resolve({ ...PLAN, planId: 'p1' })
    assert.deepEqual(again.routeChanges, [])
    assert.equal(again.bindings[0]?.agent, 'agent://member/b')
    await service.close()
  })
})
