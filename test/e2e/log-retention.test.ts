// Retention that runs (decision 1611): batches next to publishers, referenced traces kept, a crash
// inside a batch leaves a consistent log, the size cap gives space back.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { openBus } from '../../src/bus-factory/index.ts'
import type { Envelope } from '../../src/contracts/index.ts'
import { compactLog, openEventStore } from '../../src/store/index.ts'
import { exited, spawnTsx } from '../kit/child-process.ts'
import { ManualClock } from '../kit/manual-clock.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { testRegistry } from '../kit/test-registry.ts'
import { collect } from '../kit/wait-for.ts'

const DAY = 24 * 60 * 60 * 1000
const KEPT_TRACE = 'trace-the-ledger-names'

/** Old events (40 days ago): `count` in their own traces, `kept` in the referenced trace. */
async function seedOld(path: string, count: number, kept: number): Promise<void> {
  const bus = await openBus({
    transport: 'sqlite',
    path,
    registry: testRegistry(),
    clock: new ManualClock(Date.now() - 40 * DAY),
  })
  try {
    const drafts = Array.from({ length: count + kept }, (_, n) => ({
      type: 'chat.message',
      payload: { n },
      sessionId: `old-${n % 7}`,
      ...(n < kept ? { traceId: KEPT_TRACE } : {}),
    }))
    for (const outcome of await bus.publishManyUntyped(drafts)) assert.equal(outcome.ok, true)
  } finally {
    await bus.close()
  }
}

test('retention next to a publisher deletes only old, unreferenced events and never holds publishing up', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const path = join(dir.path, 'events.sqlite')
  await seedOld(path, 4000, 50)
  const bus = await openBus({ transport: 'sqlite', path, registry: testRegistry() })
  t.after(() => bus.close())
  const retentionStore = openEventStore({ path, dedupeWindowMs: DAY })
  t.after(() => retentionStore.close())

  let compacting = true
  let receiptsDuringCompaction = 0
  const receipts: { id: string; seq: number }[] = []
  const publishing = (async () => {
    for (let round = 0; round < 40; round++) {
      const outcomes = await bus.publishManyUntyped(
        Array.from({ length: 50 }, (_, n) => ({ type: 'note.added', payload: { n: round * 50 + n } })),
      )
      for (const outcome of outcomes) {
        assert.equal(outcome.ok, true)
        if (outcome.ok) receipts.push({ id: outcome.data.id, seq: outcome.data.seq! })
      }
      if (compacting) receiptsDuringCompaction += outcomes.length
    }
  })()
  const report = await compactLog(
    retentionStore.db,
    { maxAgeMs: 30 * DAY },
    { now: Date.now(), dedupeWindowMs: DAY, keepTraceIds: [KEPT_TRACE], batchEvents: 100 },
  ).finally(() => {
    compacting = false
  })
  await publishing

  assert.equal(report.deleted, 4000)
  assert.equal(report.kept, 50)
  assert.ok(report.batches >= 40, `small batches: ${report.batches}`)
  assert.ok(receiptsDuringCompaction > 0, 'publishes were committed between retention batches')
  const left: Envelope[] = await collect(bus.replay({}))
  const bySeq = new Map(left.map((event) => [event.seq, event]))
  for (const receipt of receipts)
    assert.equal(bySeq.get(receipt.seq)?.id, receipt.id, 'every new event is kept')
  const old = left.filter((event) => event.type === 'chat.message')
  assert.equal(old.length, 50)
  assert.ok(
    old.every((event) => event.traceId === KEPT_TRACE),
    'only the referenced trace survives',
  )
  assert.equal((await collect(bus.replay({ traceId: KEPT_TRACE }))).length, 50)
})

test('a crash inside a retention batch leaves a consistent log; the next pass finishes the work', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const path = join(dir.path, 'events.sqlite')
  await seedOld(path, 1000, 0)
  const fresh = await openBus({ transport: 'sqlite', path, registry: testRegistry() })
  const young = await fresh.publishManyUntyped(
    Array.from({ length: 20 }, (_, n) => ({ type: 'note.added', payload: { n } })),
  )
  await fresh.close()

  const { child, lines } = spawnTsx('test/e2e/log-compaction-child.ts', [path, '30', '3'])
  const seen: string[] = []
  for await (const line of lines) seen.push(line)
  assert.equal(await exited(child), 'SIGKILL')
  assert.deepEqual(seen, ['batch 1', 'batch 2', 'batch 3'], 'killed inside the third batch')

  const store = openEventStore({ path, dedupeWindowMs: 60_000 })
  t.after(() => store.close())
  assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok')
  const left = await collect(store.read({}))
  assert.equal(
    left.filter((event) => event.type === 'chat.message').length,
    600,
    'two whole batches went, the third did not',
  )
  assert.equal(left.filter((event) => event.type === 'note.added').length, 20)
  const oldSeqs = left.filter((event) => event.type === 'chat.message').map((event) => event.seq!)
  assert.deepEqual(
    oldSeqs,
    Array.from({ length: 600 }, (_, n) => 401 + n),
    'the oldest went first, no holes',
  )

  const rest = await compactLog(store.db, { maxAgeMs: 30 * DAY }, { now: Date.now(), dedupeWindowMs: 60_000 })
  assert.equal(rest.deleted, 600)
  const bus = await openBus({ transport: 'sqlite', path, registry: testRegistry() })
  t.after(() => bus.close())
  const after = await bus.publishUntyped({ type: 'note.added', payload: { n: 99 } })
  const lastYoung = young.at(-1)!
  assert.ok(lastYoung.ok && after.seq === lastYoung.data.seq! + 1, 'seq continues from the log head')
})

test('maxBytes deletes the oldest events until the log fits and gives the pages back', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const path = join(dir.path, 'events.sqlite')
  const bus = await openBus({ transport: 'sqlite', path, registry: testRegistry() })
  t.after(() => bus.close())
  const text = 'x'.repeat(400)
  for (let round = 0; round < 10; round++)
    await bus.publishManyUntyped(
      Array.from({ length: 500 }, (_, n) => ({ type: 'note.added', payload: { n, title: text } })),
    )
  const store = openEventStore({ path, dedupeWindowMs: 60_000 })
  t.after(() => store.close())
  assert.equal(store.db.pragma('auto_vacuum', { simple: true }), 2, 'a new log is incremental')
  const report = await compactLog(
    store.db,
    { maxBytes: 1024 * 1024 },
    { now: Date.now(), dedupeWindowMs: 60_000 },
  )
  assert.ok(report.deleted > 0 && report.deleted < 5000, `deleted ${report.deleted}`)
  assert.ok(report.reclaimedBytes > 0, 'the file shrank')
  assert.ok(report.bytesAfter <= 1.2 * 1024 * 1024, `${report.bytesAfter} bytes after`)
  const left = await collect(bus.replay({}))
  assert.equal(left.length, 5000 - report.deleted)
  assert.equal(left[0]!.seq, report.deleted + 1, 'the oldest went')
})

test('a pass stops between two batches when its signal aborts (the hub closing)', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const path = join(dir.path, 'events.sqlite')
  await seedOld(path, 1000, 0)
  const store = openEventStore({ path, dedupeWindowMs: 60_000 })
  t.after(() => store.close())
  const stopping = new AbortController()
  const report = await compactLog(
    store.db,
    { maxAgeMs: 30 * DAY },
    {
      now: Date.now(),
      dedupeWindowMs: 60_000,
      batchEvents: 100,
      signal: stopping.signal,
      pause: async () => stopping.abort(),
    },
  )
  assert.equal(report.deleted, 100, 'one batch, then it stopped')
  assert.equal((await collect(store.read({}))).length, 900)
})
