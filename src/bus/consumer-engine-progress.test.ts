// A durable consumer's progress is saved at most every PROGRESS_SAVE_INTERVAL_MS while it works
// and at once when it stops (decision 1645): what the store was told at the end is complete. A bad
// filter is refused before the store is touched (the split of decision 1779 kept that order).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Envelope } from '../contracts/index.ts'
import { systemClock } from './clock.ts'
import { ConsumerEngine, PROGRESS_SAVE_INTERVAL_MS } from './consumer-engine.ts'
import type { ConsumerChanges, ConsumerStateStore, StoredRecord } from './log-engine-types.ts'

function recordOf(seq: number): StoredRecord {
  return {
    seq,
    type: 'note.added',
    sessionId: undefined,
    envelope: () => ({ id: `e${seq}`, type: 'note.added', seq, payload: { n: seq } }) as unknown as Envelope,
  }
}

test('progress is saved in a few batches while events flow, and completely at stop', async () => {
  const log: StoredRecord[] = []
  const saves: { at: number; changes: ConsumerChanges }[] = []
  const store: ConsumerStateStore = {
    load: () => undefined,
    create: () => {},
    save: (_name, changes) => void saves.push({ at: performance.now(), changes }),
    deadLetter: () => {
      throw new Error('nothing fails here')
    },
    takeRedo: () => [],
  }
  const engine = new ConsumerEngine({
    config: {
      name: 'worker',
      durable: true,
      filter: '>',
      deliverFrom: 'first',
      ackWaitMs: 30_000,
      maxDeliver: 5,
      backoffMs: [0],
      maxAckPending: 1000,
      isSessionOrdered: () => false,
      onDeadLetter: () => {},
    },
    log: {
      readAfter: (after, limit) => log.slice(after, after + limit),
      readSeq: (seq) => log[seq - 1],
      lastSeq: () => log.length,
      firstSeqAtOrAfter: () => 1,
    },
    store,
    clock: systemClock,
    onError: (error) => {
      throw error
    },
  })
  let handled = 0
  engine.addMember(async () => {
    handled++
  })
  const started = performance.now()
  // 50 bursts of 100 events, one per event-loop turn or so: each burst used to be a save of its own.
  for (let burst = 0; burst < 50; burst++) {
    for (let n = 0; n < 100; n++) log.push(recordOf(log.length + 1))
    engine.notify()
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  while (handled < log.length) await new Promise((resolve) => setTimeout(resolve, 5))
  const elapsed = performance.now() - started
  await engine.stop()
  assert.equal(handled, 5000)
  // At most one save per interval (plus the first and the one at stop).
  assert.ok(
    saves.length <= Math.ceil(elapsed / PROGRESS_SAVE_INTERVAL_MS) + 2,
    `${saves.length} saves in ${Math.round(elapsed)} ms`,
  )
  for (let index = 1; index < saves.length - 1; index++) {
    assert.ok(saves[index]!.at - saves[index - 1]!.at >= PROGRESS_SAVE_INTERVAL_MS - 5)
  }
  // The last save (at stop) carries the whole position.
  assert.equal(saves.at(-1)!.changes.ackFloor, 5000)
})

test('a bad filter is refused before a durable consumer is loaded or created', () => {
  const calls: string[] = []
  const store: ConsumerStateStore = {
    load: () => void calls.push('load'),
    create: () => void calls.push('create'),
    save: () => void calls.push('save'),
    deadLetter: () => {
      throw new Error('nothing fails here')
    },
    takeRedo: () => [],
  }
  assert.throws(
    () =>
      new ConsumerEngine({
        config: {
          name: 'worker',
          durable: true,
          filter: 'note.>.added',
          deliverFrom: 'first',
          ackWaitMs: 30_000,
          maxDeliver: 5,
          backoffMs: [0],
          maxAckPending: 1000,
          isSessionOrdered: () => false,
          onDeadLetter: () => {},
        },
        log: { readAfter: () => [], readSeq: () => undefined, lastSeq: () => 0, firstSeqAtOrAfter: () => 1 },
        store,
        clock: systemClock,
        onError: (error) => {
          throw error
        },
      }),
    /'>' before the last token/,
  )
  assert.deepEqual(calls, [], 'the store was not touched')
})
