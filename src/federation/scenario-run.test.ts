import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../../test/kit/manual-clock.ts'
import { waitFor } from '../../test/kit/wait-for.ts'
import { openBus } from '../bus-factory/index.ts'
import type { Envelope } from '../contracts/index.ts'
import { ExecTokenSigner } from './exec-token.ts'
import { FederationService } from './federation-service.ts'
import { manifestOf } from './federation-test-kit.ts'
import { ScenarioBook } from './scenario-book.ts'
import { answerScenarioRuns } from './scenario-run.ts'

// Answers are read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

test('scenario.run resolves the named scenario: the reply says started, scenario.completed the outcome', async (t) => {
  const bus = await openBus({ transport: 'memory' })
  t.after(() => bus.close())
  const clock = new ManualClock(Date.now())
  const scenarios = new ScenarioBook([
    {
      file: 'speak.yaml',
      scenario: {
        scenario: 'speak',
        version: 1,
        steps: [{ id: 'say', need: 'capability://tts' }],
        routing: { prefer: 'hub', fallback: 'hub' },
      },
    },
  ])
  const service = await FederationService.open({ bus, clock, signer: ExecTokenSigner.generate(), scenarios })
  t.after(() => service.close())
  const subscription = await answerScenarioRuns(bus, service, { clock })
  t.after(() => subscription.unsubscribe())
  await service.announce(manifestOf('agent://member/m', [{ id: 'tts', prio: 99 }]))
  await service.announce(manifestOf('agent://hub/h', [{ id: 'tts', prio: 1 }]))
  const completed: Envelope[] = []
  const watch = await bus.subscribe('scenario.completed', (event) => {
    completed.push(event)
  })
  t.after(() => watch.unsubscribe())

  const replies: Json[] = []
  const replyWatch = await bus.subscribe('scenario.run.result', (event) => {
    replies.push(event.payload)
  })
  t.after(() => replyWatch.unsubscribe())
  const granted: Json[] = []
  const leaseWatch = await bus.subscribe('exec.lease.granted', (event) => {
    granted.push(event.payload)
  })
  t.after(() => leaseWatch.unsubscribe())
  const reply = await bus.request('scenario.run', {
    scenario: 'speak',
    runId: 'run-1',
    inputs: { text: 'hello' },
  })
  assert.equal(reply.type, 'scenario.run.result')
  assert.equal((reply.payload as Json).data.state, 'started')
  await waitFor(() => completed.length === 1, 'scenario.completed')
  const payload = completed[0]?.payload as Json
  assert.equal(payload.outcome, 'ok', JSON.stringify(payload))
  assert.equal(payload.outputs.planId, 'scenario:speak:run-1')
  assert.equal(payload.outputs.bindings[0].agent, 'agent://hub/h')
  // A repeated runId is the same command: the bus drops it (scenario.run's idempotencyKey is runId).
  const repeated = await bus.publish({
    type: 'scenario.run',
    source: 'test',
    payload: { scenario: 'speak', runId: 'run-1' },
  })
  assert.equal((repeated as Json).duplicate, true)
  // A redelivery under another envelope key (a retry of the same run) is answered from memory.
  await bus.publish({
    type: 'scenario.run',
    source: 'test',
    idempotencyKey: 'retry-of-run-1',
    payload: { scenario: 'speak', runId: 'run-1' },
  })
  await waitFor(() => replies.some((reply) => reply.data?.state === 'already_completed'), 'already_completed')
  assert.equal(completed.length, 1, 'the run is not resolved twice')
  // inputs are the exec tokens' slots.
  assert.deepEqual(granted[0]?.slots, { text: 'hello' })
  await bus.request('scenario.run', { scenario: 'missing', runId: 'run-2' })
  await waitFor(() => completed.length === 2, 'second scenario.completed')
  const failed = completed[1]?.payload as Json
  assert.equal(failed.outcome, 'error')
  assert.equal(failed.error.code, 'E_VALIDATION')
  assert.equal(failed.error.details.issues[0].path, '/scenario')
})
