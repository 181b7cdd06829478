// Durable consumers of one event on the SQLite log each get their own envelope (decision 1638):
// the same content for all, and what one handler changes in its object no other handler, and no
// redelivery, sees.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { waitFor } from '../../test/kit/wait-for.ts'
import type { Envelope } from '../contracts/index.ts'
import { chooseBus, openChosenBus } from './index.ts'

test('every durable consumer sees every event with the same content, and a change by one stays its own', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const bus = await openChosenBus(chooseBus({ env: {}, dataDir: dir.path }), { registry: testRegistry() })
  t.after(() => bus.close())
  const seen: Record<string, Envelope[]> = { mutator: [], reader: [], retried: [] }
  const attempts = new Map<string, number>()
  await bus.subscribe(
    'note.added',
    (event) => {
      seen.mutator!.push(structuredClone(event))
      // Changes everything it can reach, after the others may have been handed the same event.
      ;(event.payload as { n: number }).n = -1
      ;(event as { type: string }).type = 'changed'
    },
    { durable: 'mutator', from: 'first' },
  )
  await bus.subscribe('note.added', (event) => void seen.reader!.push(structuredClone(event)), {
    durable: 'reader',
    from: 'first',
  })
  await bus.subscribe(
    'note.added',
    (event) => {
      const attempt = (attempts.get(event.id) ?? 0) + 1
      attempts.set(event.id, attempt)
      seen.retried!.push(structuredClone(event))
      ;(event.payload as { n: number }).n = -2
      // The first delivery fails after changing its envelope; the redelivery must not see it.
      if (attempt === 1) throw new Error('not yet')
    },
    { durable: 'retried', from: 'first', backoffMs: [0] },
  )
  const published = await bus.publishManyUntyped(
    Array.from({ length: 50 }, (_, n) => ({ type: 'note.added', payload: { n, title: `note ${n}` } })),
  )
  assert.ok(published.every((outcome) => outcome.ok))
  await waitFor(
    () => seen.mutator!.length === 50 && seen.reader!.length === 50 && seen.retried!.length === 100,
    'every consumer had every event',
    10_000,
  )
  const bySeq = (events: Envelope[]) => [...events].sort((a, b) => a.seq! - b.seq!)
  const reader = bySeq(seen.reader!)
  assert.deepEqual(
    reader.map((event) => [event.type, (event.payload as { n: number }).n]),
    Array.from({ length: 50 }, (_, n) => ['note.added', n]),
  )
  assert.deepEqual(bySeq(seen.mutator!), reader)
  // Each event twice (failed, then redelivered), both times as stored.
  const retried = bySeq(seen.retried!)
  assert.deepEqual(
    retried.filter((_, index) => index % 2 === 0),
    reader,
  )
  assert.deepEqual(
    retried.filter((_, index) => index % 2 === 1),
    reader,
  )
})

test('the dead-letter queue keeps the event as stored, not as the last handler left its copy', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const bus = await openChosenBus(chooseBus({ env: {}, dataDir: dir.path }), { registry: testRegistry() })
  t.after(() => bus.close())
  await bus.subscribe(
    'note.added',
    (event) => {
      ;(event.payload as { n: number }).n = -1
      throw new Error('always')
    },
    { durable: 'failing', from: 'first', maxDeliver: 2, backoffMs: [0] },
  )
  await bus.publishUntyped({ type: 'note.added', payload: { n: 7, title: 'kept' } })
  let entries: Awaited<ReturnType<typeof bus.dlq.list>> = []
  const started = Date.now()
  while (entries.length === 0 && Date.now() - started < 10_000) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    entries = await bus.dlq.list({})
  }
  assert.equal(entries.length, 1)
  assert.deepEqual(entries[0]!.envelope.payload, { n: 7, title: 'kept' })
})
