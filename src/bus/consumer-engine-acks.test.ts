// Acks of in-order synchronous deliveries move the floor directly and the floor is settled once
// per drain (decision 2073): no acked-set entry or floor scan per event, while an event that
// is still unacknowledged holds the floor and the acks above it are kept and saved as before.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Envelope } from '../contracts/index.ts'
import { systemClock } from './clock.ts'
import { ConsumerEngine, type ConsumerEngineOptions } from './consumer-engine.ts'
import type { ConsumerChanges, ConsumerStateStore, StoredRecord } from './log-engine-types.ts'

/** Counts what a delivery costs the engine's bookkeeping: acked-set entries and floor scans. */
class ProbedEngine extends ConsumerEngine {
  ackedAdds = 0
  floorScans = 0

  constructor(options: ConsumerEngineOptions) {
    super(options)
    const add = this.acked.add.bind(this.acked)
    this.acked.add = (seq: number) => {
      this.ackedAdds++
      return add(seq)
    }
  }

  protected override advanceFloor(): void {
    this.floorScans++
    super.advanceFloor()
  }

  get ackedAbove(): number[] {
    return [...this.acked].sort((a, b) => a - b)
  }

  get ackFloor(): number {
    return this.floor
  }
}

function recordOf(seq: number, type = 'note.added', sessionId: string | undefined = undefined): StoredRecord {
  return {
    seq,
    type,
    sessionId,
    envelope: () => ({ id: `e${seq}`, type, seq, payload: { n: seq } }) as unknown as Envelope,
  }
}

function engineOver(
  log: StoredRecord[],
  options: {
    backoffMs?: number[]
    isSessionOrdered?: (type: string) => boolean
    maxAckPending?: number
  } = {},
) {
  const saves: ConsumerChanges[] = []
  const store: ConsumerStateStore = {
    load: () => undefined,
    create: () => {},
    save: (_name, changes) => void saves.push(changes),
    deadLetter: () => {
      throw new Error('no dead letters here')
    },
    takeRedo: () => [],
  }
  const engine = new ProbedEngine({
    config: {
      name: 'worker',
      durable: true,
      filter: '>',
      deliverFrom: 'first',
      ackWaitMs: 30_000,
      maxDeliver: 5,
      backoffMs: options.backoffMs ?? [0],
      maxAckPending: options.maxAckPending ?? 10_000,
      isSessionOrdered: options.isSessionOrdered ?? (() => false),
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
  return { engine, saves }
}

async function until(condition: () => boolean, what: string, limitMs = 5_000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

test('in-order synchronous acks move the floor without the acked set, and the floor settles once per drain', async () => {
  const log = Array.from({ length: 5000 }, (_, index) => recordOf(index + 1))
  const { engine, saves } = engineOver(log)
  let handled = 0
  engine.addMember(() => {
    handled++
  })
  await until(() => handled === 5000, 'every delivery')
  await engine.stop()
  assert.equal(engine.ackedAdds, 0, 'no acked-set entry for an event the floor passes')
  // Before decision 2073 the floor was scanned after every completion (5000 here).
  assert.ok(engine.floorScans < 100, `${engine.floorScans} floor scans for 5000 events`)
  assert.equal(saves.at(-1)!.ackFloor, 5000)
  assert.deepEqual(
    saves.flatMap((changes) => changes.acked),
    [],
  )
})

test('an event waiting for its retry holds the floor; the acks after it are kept and saved above it', async () => {
  const log = Array.from({ length: 10 }, (_, index) => recordOf(index + 1))
  const { engine, saves } = engineOver(log, { backoffMs: [400] })
  const attempts = new Map<number, number>()
  engine.addMember((envelope) => {
    const seq = envelope.seq!
    attempts.set(seq, (attempts.get(seq) ?? 0) + 1)
    if (seq === 3 && attempts.get(seq) === 1) throw new Error('first attempt fails')
  })
  await until(() => attempts.size === 10, 'a first delivery of each event')
  assert.equal(engine.ackFloor, 2, 'seq 3 is not acknowledged yet')
  assert.deepEqual(engine.ackedAbove, [4, 5, 6, 7, 8, 9, 10])
  // The position saved while seq 3 waits (at most every 100 ms, decision 1645).
  await until(() => saves.length > 0, 'a save while seq 3 waits')
  assert.equal(saves[0]!.ackFloor, 2)
  assert.deepEqual(saves[0]!.acked, [4, 5, 6, 7, 8, 9, 10])
  await until(() => attempts.get(3) === 2, 'the retry of seq 3')
  await engine.stop()
  assert.equal(saves.at(-1)!.ackFloor, 10)
  assert.deepEqual(engine.ackedAbove, [])
})

test('out-of-order asynchronous acks still go above the floor until the gap closes', async () => {
  const log = Array.from({ length: 6 }, (_, index) => recordOf(index + 1))
  const { engine, saves } = engineOver(log)
  const release = new Map<number, () => void>()
  engine.addMember(
    (envelope) =>
      new Promise<void>((resolve) => {
        release.set(envelope.seq!, resolve)
      }),
  )
  await until(() => release.size === 6, 'six deliveries in flight')
  for (const seq of [6, 4, 2]) release.get(seq)!()
  await until(() => engine.ackedAbove.length === 3, 'three acks above the floor')
  assert.equal(engine.ackFloor, 0)
  for (const seq of [1, 3, 5]) release.get(seq)!()
  await until(() => engine.ackFloor === 6, 'the floor at the end')
  await engine.stop()
  assert.deepEqual(engine.ackedAbove, [])
  assert.equal(saves.at(-1)!.ackFloor, 6)
})

test('session ordering is asked once per run of one type, not once per event', async () => {
  const log = [
    ...Array.from({ length: 500 }, (_, index) => recordOf(index + 1, 'note.added', `s${index % 5}`)),
    ...Array.from({ length: 500 }, (_, index) => recordOf(index + 501, 'chat.message', `s${index % 5}`)),
  ]
  const asked: string[] = []
  const { engine } = engineOver(log, {
    isSessionOrdered: (type) => {
      asked.push(type)
      return type === 'chat.message'
    },
  })
  const order = new Map<string, number[]>()
  engine.addMember((envelope) => {
    if (envelope.type !== 'chat.message') return
    const session = `s${(envelope.seq! - 501) % 5}`
    order.set(session, [...(order.get(session) ?? []), envelope.seq!])
  })
  await until(
    () => [...order.values()].reduce((sum, seqs) => sum + seqs.length, 0) === 500,
    'the chat events',
  )
  await engine.stop()
  assert.deepEqual(asked, ['note.added', 'chat.message'])
  for (const seqs of order.values())
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    )
})
