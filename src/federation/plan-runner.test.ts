import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../../test/kit/manual-clock.ts'
import type { HubError } from '../contracts/index.ts'
import {
  type DispatchKeyPair,
  generateDispatchKeyPair,
  openGrant,
  type SealedGrant,
} from '../federation-agent/index.ts'
import { ExecTokenSigner } from './exec-token.ts'
import { FederationService } from './federation-service.ts'
import { manifestOf, recordingBus } from './federation-test-kit.ts'

// Dispatch, startup SLA, probes and leases driving re-plans, with a manual clock. The "agents" are
// the test: it reads exec.step.dispatched, opens the grant with the agent's key, starts and reports.

const START = Date.parse('2026-01-01T00:00:00Z')
const signer = ExecTokenSigner.generate()
const SLA = 2000

interface Dispatch {
  planId: string
  stepId: string
  leaseId: string
  agent: string
  attempt: number
  inputs?: Record<string, unknown>
  grant: SealedGrant
}

async function setUp() {
  const clock = new ManualClock(START)
  const bus = recordingBus()
  const service = await FederationService.open({
    bus,
    clock,
    signer,
    options: { execTokenTtlMs: 30_000, startupSlaMs: SLA },
  })
  const keys = new Map<string, DispatchKeyPair>()
  async function announce(
    agent: string,
    need: string,
    prio: number,
    extra: { ttlMs?: number; key?: boolean } = {},
  ) {
    const manifest = manifestOf(agent, [{ id: need, prio, probe: 'GET /health' }], {
      ttlMs: extra.ttlMs ?? 60_000,
    })
    if (extra.key !== false) {
      const pair = generateDispatchKeyPair()
      keys.set(agent, pair)
      manifest.dispatchPublicKey = pair.publicKeyHex
    }
    await service.announce(manifest)
  }
  const dispatches = () =>
    bus.published
      .filter((event) => event.type === 'exec.step.dispatched')
      .map((event) => event.payload as unknown as Dispatch)
  /** The newest dispatch of `stepId` and its token, opened with the addressee's key. */
  function latest(stepId: string): { dispatch: Dispatch; token: string } {
    const dispatch = dispatches()
      .filter((item) => item.stepId === stepId)
      .at(-1) as Dispatch
    assert.ok(dispatch, `no dispatch of ${stepId}`)
    return {
      dispatch,
      token: openGrant(dispatch.grant, keys.get(dispatch.agent) as DispatchKeyPair, dispatch.leaseId),
    }
  }
  const ofType = (type: string) =>
    bus.published.filter((event) => event.type === type).map((event) => event.payload)
  return { clock, bus, service, keys, announce, dispatches, latest, ofType }
}

async function refusal(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise
  } catch (error) {
    return error as HubError
  }
  assert.fail('expected a refusal')
}

const ONE_STEP = { planId: 'p1', steps: [{ id: 'play', need: 'capability://media.playback' }] }

describe('plan runner: dispatch', () => {
  test('ready steps go to their agents with sealed tokens; outputs flow to dependent steps; the plan completes', async () => {
    const { service, announce, dispatches, latest, ofType, keys } = await setUp()
    await announce('agent://member/plex', 'media.search', 80)
    await announce('agent://browser/tab', 'ui.render.video', 90)
    const answer = await service.resolve({
      planId: 'p2',
      steps: [
        { id: 'find', need: 'capability://media.search' },
        { id: 'show', need: 'capability://ui.render.video', dependsOn: ['find'] },
      ],
      slots: { title: 'Inception' },
    })
    assert.equal(answer.dispatched, true)
    assert.ok(answer.bindings.every((binding) => binding.execToken === undefined))
    // Only the step with no dependencies is dispatched at first.
    assert.deepEqual(
      dispatches().map((item) => item.stepId),
      ['find'],
    )
    const { dispatch, token } = latest('find')
    assert.equal(dispatch.agent, 'agent://member/plex')
    // Another agent's key does not open it.
    assert.throws(() =>
      openGrant(dispatch.grant, keys.get('agent://browser/tab') as DispatchKeyPair, dispatch.leaseId),
    )
    // Nor does the right key with the grant moved onto another lease.
    assert.throws(() =>
      openGrant(dispatch.grant, keys.get('agent://member/plex') as DispatchKeyPair, 'other-lease'),
    )
    // A report before the start is refused.
    assert.equal(
      (await refusal(service.report({ token, stepId: 'find', ok: true }))).details?.reason,
      'not_started',
    )
    await service.exec({ token, stepId: 'find' })
    await service.report({ token, stepId: 'find', ok: true, output: { url: 'https://plex/m.m3u8' } })
    await service.runner.settled('p2')
    const show = latest('show')
    assert.deepEqual(show.dispatch.inputs, { find: { url: 'https://plex/m.m3u8' } })
    await service.exec({ token: show.token, stepId: 'show' })
    const done = await service.report({
      token: show.token,
      stepId: 'show',
      ok: true,
      output: { shown: true },
    })
    assert.equal(done.planStatus, 'completed')
    assert.deepEqual(ofType('exec.plan.finished'), [
      {
        planId: 'p2',
        status: 'completed',
        outputs: { find: { url: 'https://plex/m.m3u8' }, show: { shown: true } },
      },
    ])
    assert.equal((await refusal(service.report({ token, stepId: 'find', ok: true }))).details?.reason, 'used')
  })

  test('a plan with an agent that announced no dispatch key is not dispatched: the caller gets the tokens', async () => {
    const { service, announce, dispatches } = await setUp()
    await announce('agent://member/old', 'media.playback', 80, { key: false })
    const answer = await service.resolve(ONE_STEP)
    assert.equal(answer.dispatched, undefined)
    assert.equal(typeof answer.bindings[0]?.execToken, 'string')
    assert.equal(dispatches().length, 0)
  })

  test('a failed handler fails the plan with the reason', async () => {
    const { service, announce, latest, ofType } = await setUp()
    await announce('agent://member/a', 'media.playback', 80)
    await service.resolve(ONE_STEP)
    const { token } = latest('play')
    await service.exec({ token, stepId: 'play' })
    await service.report({
      token,
      stepId: 'play',
      ok: false,
      error: { code: 'E_HANDLER', message: 'no codec' },
    })
    const [finished] = ofType('exec.plan.finished') as Array<{
      status: string
      reason: string
      failedStep: string
    }>
    assert.equal(finished?.status, 'failed')
    assert.equal(finished?.failedStep, 'play')
    assert.match(finished?.reason ?? '', /no codec/)
  })
})

describe('plan runner: monitoring and re-planning', () => {
  test('a missed startup SLA moves the step; the stale token is refused and the step runs once', async () => {
    const { clock, service, announce, latest, ofType } = await setUp()
    await announce('agent://member/fast', 'media.playback', 90)
    await announce('agent://member/slow', 'media.playback', 40)
    await service.resolve({ ...ONE_STEP, sessionId: 's-1' })
    const stale = latest('play')
    assert.equal(stale.dispatch.agent, 'agent://member/fast')
    clock.advance(SLA - 1)
    await service.runner.settled('p1')
    assert.equal(ofType('route.changed').length, 0, 'not before the SLA')
    clock.advance(1)
    await service.runner.settled('p1')
    assert.deepEqual(ofType('route.changed'), [
      {
        planId: 'p1',
        stepId: 'play',
        fromAgent: 'agent://member/fast',
        toAgent: 'agent://member/slow',
        reason: 'startup_sla_missed',
        degraded: false,
        detail: 'agent://member/fast did not start it within its startup SLA',
      },
    ])
    const moved = latest('play')
    assert.equal(moved.dispatch.agent, 'agent://member/slow')
    assert.equal(moved.dispatch.attempt, 2)
    const late = await refusal(service.exec({ token: stale.token, stepId: 'play' }))
    assert.equal(late.details?.reason, 'revoked')
    await service.exec({ token: moved.token, stepId: 'play' })
    await service.report({ token: moved.token, stepId: 'play', ok: true, output: { at: 'slow' } })
    assert.equal(ofType('exec.step.accepted').length, 1)
    assert.deepEqual(ofType('exec.plan.finished'), [
      { planId: 'p1', status: 'completed', outputs: { play: { at: 'slow' } } },
    ])
  })

  test('a failed probe moves a running step; the old agent’s late result is refused and ignored', async () => {
    const { service, announce, latest, ofType } = await setUp()
    await announce('agent://member/fast', 'media.playback', 90)
    await announce('agent://member/slow', 'media.playback', 40)
    await service.resolve(ONE_STEP)
    const first = latest('play')
    await service.exec({ token: first.token, stepId: 'play' })
    await service.heartbeat({
      agent: 'agent://member/fast',
      status: 'up',
      ttlMs: 60_000,
      probes: [{ capability: 'capability://media.playback', ok: false }],
    })
    await service.runner.settled('p1')
    const [change] = ofType('route.changed') as Array<{ reason: string; toAgent: string }>
    assert.equal(change?.reason, 'probe_failed')
    assert.equal(change?.toAgent, 'agent://member/slow')
    const second = latest('play')
    const stale = await refusal(
      service.report({ token: first.token, stepId: 'play', ok: true, output: { at: 'fast' } }),
    )
    assert.equal(stale.details?.reason, 'stale')
    await service.exec({ token: second.token, stepId: 'play' })
    await service.report({ token: second.token, stepId: 'play', ok: true, output: { at: 'slow' } })
    assert.deepEqual(
      (ofType('exec.step.completed') as Array<{ agent: string }>).map((item) => item.agent),
      ['agent://member/slow'],
    )
  })

  test('a step waiting for its inputs moves when its agent went down meanwhile, not after the SLA', async () => {
    const { clock, service, announce, latest, dispatches, ofType } = await setUp()
    await announce('agent://member/plex', 'media.search', 80)
    await announce('agent://browser/tab', 'ui.render.video', 90)
    await announce('agent://member/tv', 'ui.render.video', 30)
    await service.resolve({
      planId: 'p3',
      steps: [
        { id: 'find', need: 'capability://media.search' },
        { id: 'show', need: 'capability://ui.render.video', dependsOn: ['find'] },
      ],
    })
    // The browser says it is going away while `show` still waits for `find`.
    await service.heartbeat({ agent: 'agent://browser/tab', status: 'down', ttlMs: 60_000 })
    const find = latest('find')
    await service.exec({ token: find.token, stepId: 'find' })
    await service.report({ token: find.token, stepId: 'find', ok: true, output: { url: 'u' } })
    await service.runner.settled('p3')
    assert.equal(clock.now(), START, 'no time passed: the move did not wait for the SLA')
    assert.deepEqual(
      dispatches()
        .filter((item) => item.stepId === 'show')
        .map((item) => item.agent),
      ['agent://member/tv'],
      'the down browser was never dispatched to',
    )
    const [change] = ofType('route.changed') as Array<{ reason: string; fromAgent: string; toAgent: string }>
    assert.deepEqual(
      { reason: change?.reason, from: change?.fromAgent, to: change?.toAgent },
      { reason: 'agent_down', from: 'agent://browser/tab', to: 'agent://member/tv' },
    )
  })

  test('an agent whose lease runs out (missed heartbeats) loses its running step', async () => {
    const { clock, service, announce, latest, ofType } = await setUp()
    await announce('agent://member/fast', 'media.playback', 90, { ttlMs: 3000 })
    await announce('agent://member/slow', 'media.playback', 40)
    await service.resolve(ONE_STEP)
    const first = latest('play')
    await service.exec({ token: first.token, stepId: 'play' })
    clock.advance(2999)
    await service.runner.settled('p1')
    assert.equal(ofType('route.changed').length, 0)
    clock.advance(1)
    await service.sweep()
    await service.runner.settled('p1')
    const [change] = ofType('route.changed') as Array<{ reason: string; toAgent: string }>
    assert.equal(change?.reason, 'lease_expired')
    assert.equal(latest('play').dispatch.agent, 'agent://member/slow')
  })

  test('with no candidate left the plan degrades: route.changed to null and exec.plan.finished failed', async () => {
    const { clock, service, announce, ofType } = await setUp()
    await announce('agent://member/only', 'media.playback', 90)
    await service.resolve(ONE_STEP)
    clock.advance(SLA)
    await service.runner.settled('p1')
    const [change] = ofType('route.changed') as Array<{ toAgent: unknown; degraded: boolean; reason: string }>
    assert.equal(change?.toAgent, null)
    assert.equal(change?.degraded, true)
    assert.equal(change?.reason, 'startup_sla_missed')
    const [finished] = ofType('exec.plan.finished') as Array<{
      status: string
      reason: string
      failedStep: string
    }>
    assert.equal(finished?.status, 'failed')
    assert.equal(finished?.failedStep, 'play')
    assert.match(
      finished?.reason ?? '',
      /has no agent left: agent:\/\/member\/only did not start it within its startup SLA/,
    )
    assert.equal(service.runner.get('p1')?.status, 'failed')
  })

  test('a re-plan skips agents that take no dispatches', async () => {
    const { clock, service, announce, ofType } = await setUp()
    await announce('agent://member/fast', 'media.playback', 90)
    await announce('agent://member/keyless', 'media.playback', 80, { key: false })
    await announce('agent://member/slow', 'media.playback', 40)
    await service.resolve(ONE_STEP)
    clock.advance(SLA)
    await service.runner.settled('p1')
    assert.equal((ofType('route.changed') as Array<{ toAgent: string }>)[0]?.toAgent, 'agent://member/slow')
  })

  test('a resolve body may set its own startup SLA, checked', async () => {
    const { clock, service, announce, ofType } = await setUp()
    await announce('agent://member/fast', 'media.playback', 90)
    await announce('agent://member/slow', 'media.playback', 40)
    await service.resolve({ ...ONE_STEP, startupSlaMs: 500 })
    clock.advance(500)
    await service.runner.settled('p1')
    assert.equal(ofType('route.changed').length, 1)
    const bad = await refusal(service.resolve({ ...ONE_STEP, planId: 'p9', startupSlaMs: 1 }))
    assert.equal(bad.code, 'E_VALIDATION')
    assert.equal((bad.details?.issues as Array<{ path: string }> | undefined)?.[0]?.path, '/startupSlaMs')
  })
})
