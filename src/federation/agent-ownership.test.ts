import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../../test/kit/manual-clock.ts'
import type { Envelope, HubError } from '../contracts/index.ts'
import { type DispatchKeyPair, generateDispatchKeyPair, openGrant } from '../federation-agent/index.ts'
import { agentsOwnedBy, checkAgentOwned, ownsAgent } from './agent-ownership.ts'
import { bindCallerHints } from './caller-hints.ts'
import { ExecTokenSigner } from './exec-token.ts'
import { FederationService } from './federation-service.ts'
import { manifestOf, recordingBus } from './federation-test-kit.ts'
import { callerOfEvent } from './registry-commands.ts'

// Decision 2014: a paired device speaks only for agent://member/<peerId> and
// agent://browser/<peerId>; decision 2015: its member:self / browser:current hints name them.

const laptop = { principal: 'pr_laptop', peerId: 'laptop' }
const signer = ExecTokenSigner.generate()

function refused(run: () => unknown): HubError {
  try {
    run()
  } catch (error) {
    return error as HubError
  }
  assert.fail('expected a refusal')
}

async function rejected(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise
  } catch (error) {
    return error as HubError
  }
  assert.fail('expected a refusal')
}

describe('agent ownership', () => {
  test('a paired peer owns exactly its member and browser agent; the owner owns every agent', () => {
    assert.deepEqual(agentsOwnedBy(laptop), ['agent://member/laptop', 'agent://browser/laptop'])
    assert.equal(ownsAgent(laptop, 'agent://member/laptop'), true)
    assert.equal(ownsAgent(laptop, 'agent://browser/laptop'), true)
    for (const other of [
      'agent://hub/laptop',
      'agent://hub/x',
      'agent://member/laptop-2',
      'agent://member/laptop.tv',
      'agent://member/lapto',
      'agent://member/other',
    ])
      assert.equal(ownsAgent(laptop, other), false, other)
    assert.equal(ownsAgent(undefined, 'agent://hub/x'), true)
  })

  test('callers without a usable peer id own nothing', () => {
    assert.deepEqual(agentsOwnedBy({ principal: 'pr_a' }), [])
    // Peer ids may hold ':', agent ids may not.
    assert.deepEqual(agentsOwnedBy({ principal: 'pr_b', peerId: 'room:tv' }), [])
    const error = refused(() => checkAgentOwned({ principal: 'pr_a' }, 'agent://member/pr_a', 'announce'))
    assert.equal(error.code, 'E_PERMISSION_REQUIRED')
    assert.deepEqual(error.details, {
      reason: 'agent_not_owned',
      agent: 'agent://member/pr_a',
      principal: 'pr_a',
      allowed: [],
    })
  })

  test('the refusal names the agent and what the caller may use', () => {
    const error = refused(() => checkAgentOwned(laptop, 'agent://hub/x', 'announce'))
    assert.match(
      error.message,
      /pr_laptop may not announce agent:\/\/hub\/x: it may use agent:\/\/member\/laptop/,
    )
    assert.deepEqual(error.details?.allowed, agentsOwnedBy(laptop))
  })

  test('bus events: the principal comes from the meta the hub stamps', () => {
    assert.equal(callerOfEvent({}), undefined)
    assert.equal(callerOfEvent({ meta: { peer: { id: 'laptop' } } }), undefined)
    assert.deepEqual(callerOfEvent({ meta: { principal: 'pr_laptop', peer: { id: 'laptop' } } }), laptop)
    assert.deepEqual(callerOfEvent({ meta: { principal: 'pr_a' } }), { principal: 'pr_a' })
  })

  test('member:self and browser:current become the paired caller’s agents; others keep the hint', () => {
    const plan = {
      preferAgent: 'member:self',
      steps: [{ id: 'a', prefer: 'browser:current' }, { id: 'b', prefer: 'hub' }, { id: 'c' }],
    }
    assert.deepEqual(bindCallerHints(plan, laptop), {
      preferAgent: 'member:laptop',
      steps: [{ id: 'a', prefer: 'browser:laptop' }, { id: 'b', prefer: 'hub' }, { id: 'c' }],
    })
    assert.deepEqual(bindCallerHints(plan, undefined), plan)
    assert.deepEqual(bindCallerHints(plan, { principal: 'pr_a' }), plan)
  })
})

describe('the federation service checks the caller', () => {
  async function setUp() {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
    const bus = recordingBus()
    const service = await FederationService.open({ bus, clock, signer, options: { startupSlaMs: 60_000 } })
    const keys = new Map<string, DispatchKeyPair>()
    const manifest = (agent: string) => {
      const pair = generateDispatchKeyPair()
      keys.set(agent, pair)
      return {
        ...manifestOf(agent, [{ id: 'media.playback', prio: 50 }], { ttlMs: 60_000 }),
        dispatchPublicKey: pair.publicKeyHex,
      }
    }
    const dispatched = (agent: string) => {
      const event = bus.published.findLast(
        (item) => item.type === 'exec.step.dispatched' && item.payload.agent === agent,
      ) as Envelope
      const payload = event.payload as { leaseId: string; stepId: string; grant: never }
      return {
        ...payload,
        token: openGrant(payload.grant, keys.get(agent) as DispatchKeyPair, payload.leaseId),
      }
    }
    return { service, manifest, dispatched }
  }

  test('announce and heartbeat: only the caller’s own agents', async () => {
    const { service, manifest } = await setUp()
    for (const agent of ['agent://hub/x', 'agent://member/desk', 'agent://browser/laptop-2']) {
      const error = await rejected(service.announce(manifest(agent), {}, laptop))
      assert.equal(error.code, 'E_PERMISSION_REQUIRED', agent)
      assert.equal(error.details?.agent, agent)
    }
    assert.equal(service.registry.size, 0)
    await service.announce(manifest('agent://member/laptop'), {}, laptop)
    await service.announce(manifest('agent://member/desk'))
    const beat = { status: 'up', ttlMs: 60_000, telemetry: { load: 0 } }
    await service.heartbeat({ agent: 'agent://member/laptop', ...beat }, {}, false, laptop)
    const error = await rejected(
      service.heartbeat({ agent: 'agent://member/desk', ...beat }, {}, false, laptop),
    )
    assert.equal(error.details?.reason, 'agent_not_owned')
  })

  test('exec and report: a valid token of another agent’s lease is refused, the own one works', async () => {
    const { service, manifest, dispatched } = await setUp()
    await service.announce(manifest('agent://member/laptop'), {}, laptop)
    await service.announce(manifest('agent://member/desk'))
    const steps = [
      { id: 'mine', need: 'capability://media.playback', prefer: 'member:self' },
      { id: 'theirs', need: 'capability://media.playback', prefer: 'member:desk' },
    ]
    const answer = await service.resolve({ planId: 'p', steps }, {}, laptop)
    assert.deepEqual(
      answer.bindings.map((binding) => binding.agent),
      ['agent://member/laptop', 'agent://member/desk'],
    )
    const theirs = dispatched('agent://member/desk')
    const start = await rejected(service.exec({ token: theirs.token, stepId: 'theirs' }, {}, laptop))
    assert.equal(start.details?.agent, 'agent://member/desk')
    await service.exec({ token: theirs.token, stepId: 'theirs' })
    const report = await rejected(service.report({ token: theirs.token, stepId: 'theirs', ok: true }, laptop))
    assert.equal(report.code, 'E_PERMISSION_REQUIRED')
    assert.equal(report.details?.reason, 'agent_not_owned')
    const mine = dispatched('agent://member/laptop')
    await service.exec({ token: mine.token, stepId: 'mine' }, {}, laptop)
    const done = await service.report({ token: mine.token, stepId: 'mine', ok: true, output: {} }, laptop)
    assert.equal(done.state, 'completed')
    await service.close()
  })

  test('member:self without a paired caller is refused with the reason', async () => {
    const { service, manifest } = await setUp()
    await service.announce(manifest('agent://member/laptop'))
    const error = await rejected(
      service.resolve({ steps: [{ id: 'a', need: 'capability://media.playback', prefer: 'member:self' }] }),
    )
    assert.equal(error.code, 'E_VALIDATION')
    assert.match(JSON.stringify(error.details), /paired device/)
    await service.close()
  })

  test('registry events a principal published are not replayed as the registry’s own', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
    const forged = {
      type: 'registry.capability.announced',
      ts: new Date(clock.now()).toISOString(),
      seq: 1,
      meta: { principal: 'pr_laptop' },
      payload: manifestOf('agent://hub/x', [{ id: 'media.playback' }], { ttlMs: 60_000 }),
    } as unknown as Envelope
    const service = await FederationService.open({ bus: recordingBus([forged]), clock, signer })
    assert.equal(service.registry.has('agent://hub/x'), false)
    await service.close()
  })
})
