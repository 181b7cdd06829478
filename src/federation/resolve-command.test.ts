import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../../test/kit/manual-clock.ts'
import { waitFor } from '../../test/kit/wait-for.ts'
import { openBus } from '../bus-factory/index.ts'
import { ExecTokenSigner } from './exec-token.ts'
import { FederationService } from './federation-service.ts'
import { manifestOf } from './federation-test-kit.ts'
import { answerResolveCommands } from './resolve-command.ts'

test('resolve.request on the bus answers resolve.request.result with bindings or the error', async (t) => {
  const bus = await openBus({ transport: 'memory' })
  t.after(() => bus.close())
  const service = await FederationService.open({
    bus,
    clock: new ManualClock(Date.now()),
    signer: ExecTokenSigner.generate(),
  })
  t.after(() => service.close())
  const subscription = await answerResolveCommands(bus, service)
  t.after(() => subscription.unsubscribe())
  await service.announce(manifestOf('agent://member/m', [{ id: 'tts', prio: 80 }]))
  const granted: Array<Record<string, unknown>> = []
  const leases = await bus.subscribe('exec.lease.granted', (event) => {
    granted.push(event.payload)
  })
  t.after(() => leases.unsubscribe())

  const reply = await bus.request('resolve.request', {
    planId: 'p9',
    steps: [{ id: 'speak', need: 'capability://tts' }],
  })
  assert.equal(reply.type, 'resolve.request.result')
  const data = (
    reply.payload as {
      ok: true
      data: { planId: string; bindings: Array<{ agent: string; leaseId: string }> }
    }
  ).data
  assert.equal(data.planId, 'p9')
  assert.equal(data.bindings[0]?.agent, 'agent://member/m')
  assert.ok(service.leases.get(data.bindings[0]?.leaseId as string) !== undefined)
  // Subscribers get the guarded form: the exec token is dropped from every delivered event.
  await waitFor(() => granted.length === 1, 'exec.lease.granted')
  assert.equal(granted[0]?.leaseId, data.bindings[0]?.leaseId)
  assert.equal(granted[0]?.execToken, undefined)

  const failed = await bus.request('resolve.request', {
    steps: [{ id: 'look', need: 'capability://camera' }],
  })
  const error = (failed.payload as { ok: false; error: { code: string; details: { stepId: string } } }).error
  assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
  assert.equal(error.details.stepId, 'look')
})
