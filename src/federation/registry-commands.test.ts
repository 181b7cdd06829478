import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../../test/kit/manual-clock.ts'
import { waitFor } from '../../test/kit/wait-for.ts'
import { openBus } from '../bus-factory/index.ts'
import { generateDispatchKeyPair, openGrant, type SealedGrant } from '../federation-agent/index.ts'
import { ExecTokenSigner } from './exec-token.ts'
import { FederationService } from './federation-service.ts'
import { manifestOf } from './federation-test-kit.ts'
import { answerRegistryCommands } from './registry-commands.ts'
import { answerResolveCommands } from './resolve-command.ts'

test('agents on the bus announce with registry.announce, heartbeat with registry.heartbeat, and get dispatched steps', async (t) => {
  const bus = await openBus({ transport: 'memory' })
  t.after(() => bus.close())
  const clock = new ManualClock(Date.now())
  const service = await FederationService.open({ bus, clock, signer: ExecTokenSigner.generate() })
  t.after(() => service.close())
  for (const subscription of [
    ...(await answerRegistryCommands(bus, service)),
    await answerResolveCommands(bus, service),
  ])
    t.after(() => subscription.unsubscribe())
  const keys = generateDispatchKeyPair()
  const manifest = {
    ...manifestOf('agent://member/bus1', [{ id: 'tts', prio: 80, probe: 'local check' }], { ttlMs: 5000 }),
    dispatchPublicKey: keys.publicKeyHex,
  }
  const reply = await bus.request('registry.announce', manifest)
  assert.equal(reply.type, 'registry.announce.result')
  assert.deepEqual((reply.payload as { data: { agent: string; dispatched: boolean } }).data.dispatched, true)
  assert.equal(service.registry.get('agent://member/bus1')?.dispatchPublicKey, keys.publicKeyHex)

  const refused = await bus.request('registry.announce', { ...manifest, kind: 'hub' })
  assert.equal((refused.payload as { ok: boolean }).ok, false)

  // A heartbeat the agent publishes renews the lease and records its probe.
  clock.advance(4000)
  await bus.publish({
    type: 'registry.heartbeat',
    source: 'agent://member/bus1',
    payload: {
      agent: 'agent://member/bus1',
      status: 'up',
      ttlMs: 5000,
      probes: [{ capability: 'capability://tts', ok: false }],
    },
  })
  await waitFor(
    () => service.registry.get('agent://member/bus1')?.failedProbes.size === 1,
    'the bus heartbeat',
  )
  const record = service.registry.get('agent://member/bus1')
  assert.equal(record?.leaseExpiresAt, clock.now() + 5000)

  // A bus resolve of a plan whose agent takes dispatches dispatches it.
  await bus.publish({
    type: 'registry.heartbeat',
    source: 'agent://member/bus1',
    payload: {
      agent: 'agent://member/bus1',
      status: 'up',
      ttlMs: 5000,
      probes: [{ capability: 'capability://tts', ok: true }],
    },
  })
  await waitFor(
    () => service.registry.get('agent://member/bus1')?.failedProbes.size === 0,
    'the probe to recover',
  )
  const dispatched: Array<{ leaseId: string; grant: SealedGrant }> = []
  const watch = await bus.subscribe('exec.step.dispatched', (event) => {
    dispatched.push(event.payload as unknown as { leaseId: string; grant: SealedGrant })
  })
  t.after(() => watch.unsubscribe())
  const resolved = await bus.request('resolve.request', {
    planId: 'bus-plan',
    steps: [{ id: 'speak', need: 'capability://tts' }],
  })
  assert.equal((resolved.payload as { ok: boolean }).ok, true)
  await waitFor(() => dispatched.length === 1, 'exec.step.dispatched')
  // The delivered (guarded) dispatch still carries a grant the agent opens.
  const token = openGrant(dispatched[0]?.grant as SealedGrant, keys, dispatched[0]?.leaseId as string)
  const accepted = await service.exec({ token, stepId: 'speak' })
  assert.equal(accepted.agent, 'agent://member/bus1')
})
