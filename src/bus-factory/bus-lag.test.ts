import assert from 'node:assert/strict'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { waitForAsync } from '../../test/kit/wait-for.ts'
import { busLagProbe, chooseBus, openChosenBus } from './index.ts'

test('on SQLite the lag counts what a durable consumer has not acknowledged yet', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const choice = chooseBus({ env: {}, dataDir: dir.path })
  const bus = await openChosenBus(choice, { registry: testRegistry() })
  t.after(() => bus.close())
  const probe = busLagProbe(choice)
  t.after(() => probe.close())
  const handled: number[] = []
  const handler = (event: { payload: Record<string, unknown> }) =>
    void handled.push(event.payload.n as number)
  const first = await bus.subscribe('note.added', handler, { durable: 'worker', from: 'first' })
  await first.unsubscribe()
  for (let n = 1; n <= 3; n++) await bus.publishUntyped({ type: 'note.added', payload: { n } })
  const behind = await probe.read()
  const worker = behind?.consumers.find((consumer) => consumer.name === 'worker')
  assert.equal(worker?.pending, 3, JSON.stringify(behind))
  assert.equal(behind?.lastSeq, 3)
  assert.match(behind?.summary ?? '', /^3 pending, 0 awaiting ack; 1 of 1 consumers behind \(log at seq 3\)$/)
  await bus.subscribe('note.added', handler, { durable: 'worker', from: 'first' })
  await waitForAsync(
    async () => (await probe.read())?.consumers.find((consumer) => consumer.name === 'worker')?.pending === 0,
    'the worker caught up',
    5000,
  )
  assert.deepEqual(handled, [1, 2, 3])
})

test('the memory bus has no log to be behind', async () => {
  const probe = busLagProbe(chooseBus({ env: {}, dataDir: '/nowhere', flags: { bus: 'memory' } }))
  assert.equal(await probe.read(), undefined)
})
