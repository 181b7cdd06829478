// Synchronous handlers are settled when they return (decision 1771): no ack timer, attempt record
// or promise per event, while redelivery on a throw, session order and the ack wait of a handler
// that returns a promise stay as they were.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import type { Envelope } from '../contracts/index.ts'
import { memoryTransport } from '../transports/memory/index.ts'
import { createBus } from './bus.ts'
import { type Clock, systemClock } from './clock.ts'
import { ConsumerEngine } from './consumer-engine.ts'
import type { ConsumerChanges, ConsumerStateStore, StoredRecord } from './log-engine-types.ts'
import type { DeliveryHandler } from './transport-types.ts'

/** The system clock, counting the timers it is asked for. */
function countingClock(): Clock & { timers: number } {
  const clock = {
    timers: 0,
    now: () => Date.now(),
    setTimeout(callback: () => void, delayMs: number): unknown {
      clock.timers++
      return systemClock.setTimeout(callback, delayMs)
    },
    clearTimeout: (handle: unknown) => systemClock.clearTimeout(handle),
  }
  return clock
}

function recordOf(seq: number, sessionId?: string): StoredRecord {
  return {
    seq,
    type: 'note.added',
    sessionId,
    envelope: () => ({ id: `e${seq}`, type: 'note.added', seq, payload: { n: seq } }) as unknown as Envelope,
  }
}

function engineOver(
  log: StoredRecord[],
  clock: Clock,
  options: { maxDeliver?: number; maxAckPending?: number; ackWaitMs?: number } = {},
) {
  const saves: ConsumerChanges[] = []
  const deadLetters: number[] = []
  const store: ConsumerStateStore = {
    load: () => undefined,
    create: () => {},
    save: (_name, changes) => void saves.push(changes),
    deadLetter: (name, envelope, attempts, lastError) => {
      deadLetters.push(envelope.seq!)
      return {
        dlqId: deadLetters.length,
        consumer: name,
        seq: envelope.seq!,
        eventId: envelope.id,
        eventType: envelope.type,
        attempts,
        lastError,
        movedAt: new Date().toISOString(),
        envelope,
      }
    },
    takeRedo: () => [],
  }
  const engine = new ConsumerEngine({
    config: {
      name: 'worker',
      durable: true,
      filter: '>',
      deliverFrom: 'first',
      ackWaitMs: options.ackWaitMs ?? 30_000,
      maxDeliver: options.maxDeliver ?? 5,
      backoffMs: [0],
      maxAckPending: options.maxAckPending ?? 1000,
      isSessionOrdered: () => true,
      onDeadLetter: () => {},
    },
    log: {
      readAfter: (after, limit) => log.slice(after, after + limit),
      readSeq: (seq) => log[seq - 1],
      lastSeq: () => log.length,
      firstSeqAtOrAfter: () => 1,
    },
    store,
    clock,
    onError: (error) => {
      throw error
    },
  })
  return { engine, saves, deadLetters }
}

async function until(condition: () => boolean, what: string, limitMs = 5_000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

test('a synchronous handler is acknowledged without an ack timer or a recorded attempt', async () => {
  const clock = countingClock()
  const log = Array.from({ length: 50 }, (_, index) => recordOf(index + 1))
  const { engine, saves } = engineOver(log, clock)
  const seen: number[] = []
  engine.addMember((envelope) => void seen.push(envelope.seq!))
  await until(() => seen.length === 50, 'fifty deliveries')
  await engine.stop()
  assert.deepEqual(
    seen,
    log.map((record) => record.seq),
  )
  assert.equal(clock.timers, 0, 'no ack timer was armed')
  assert.deepEqual(
    saves.flatMap((changes) => changes.attempts),
    [],
    'no attempt was recorded',
  )
  assert.equal(saves.at(-1)!.ackFloor, 50, 'every event is acknowledged')
})

test('a synchronous throw is redelivered, with the attempt counted, and dead-lettered at maxDeliver', async () => {
  const clock = countingClock()
  const log = [recordOf(1), recordOf(2), recordOf(3)]
  const { engine, saves, deadLetters } = engineOver(log, clock, { maxDeliver: 3 })
  const attempts = new Map<number, number[]>()
  engine.addMember((envelope, info) => {
    attempts.set(envelope.seq!, [...(attempts.get(envelope.seq!) ?? []), info.attempt])
    if (envelope.seq === 2 && info.attempt < 2) throw new Error('once')
    if (envelope.seq === 3) throw new Error('always')
  })
  await until(() => deadLetters.length === 1 && attempts.get(2)?.length === 2, 'the retries')
  await engine.stop()
  assert.deepEqual(attempts.get(1), [1])
  assert.deepEqual(attempts.get(2), [1, 2])
  assert.deepEqual(attempts.get(3), [1, 2, 3])
  assert.deepEqual(deadLetters, [3])
  assert.equal(saves.at(-1)!.ackFloor, 3)
})

test('session order holds when synchronous and asynchronous handlers mix', async () => {
  const clock = countingClock()
  const log = Array.from({ length: 40 }, (_, index) => recordOf(index + 1, `s${index % 2}`))
  const { engine } = engineOver(log, clock)
  const order: number[] = []
  let running = 0
  engine.addMember((envelope) => {
    running++
    assert.ok(running <= 2, 'one event per session at a time')
    order.push(envelope.seq!)
    if (envelope.seq! % 3 !== 0) {
      running--
      return
    }
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        running--
        resolve()
      }, 2),
    )
  })
  await until(() => order.length === 40, 'forty deliveries')
  await engine.stop()
  for (const session of [0, 1]) {
    const mine = order.filter((seq) => (seq - 1) % 2 === session)
    assert.deepEqual(
      mine,
      [...mine].sort((a, b) => a - b),
      `session s${session} in order`,
    )
  }
  assert.ok(clock.timers > 0 && clock.timers < 40, 'timers only for the handlers that returned a promise')
})

test('twenty thousand synchronous completions in one turn do not recurse', async () => {
  const log = Array.from({ length: 20_000 }, (_, index) => recordOf(index + 1))
  const { engine, saves } = engineOver(log, systemClock, { maxAckPending: 20_000 })
  let handled = 0
  engine.addMember(() => {
    handled++
  })
  await until(() => handled === 20_000, 'every delivery')
  await engine.stop()
  assert.equal(saves.at(-1)!.ackFloor, 20_000)
})

test('a handler that returns a promise still has its ack wait', async () => {
  const log = [recordOf(1)]
  const { engine } = engineOver(log, systemClock, { ackWaitMs: 30 })
  const attempts: number[] = []
  const handler: DeliveryHandler = (_envelope, info) => {
    attempts.push(info.attempt)
    // The first attempt never settles: only its ack wait can redeliver it.
    return info.attempt === 1 ? new Promise<void>(() => {}) : undefined
  }
  engine.addMember(handler)
  await until(() => attempts.length === 2, 'the redelivery after the ack wait')
  await engine.stop()
  assert.deepEqual(attempts, [1, 2])
})

test("the bus hands a durable consumer's synchronous handler to the engine as it is: no ack timer", async (t) => {
  const clock = countingClock()
  const bus = await createBus({ registry: testRegistry(), transport: memoryTransport(), clock })
  t.after(() => bus.close())
  const seen: number[] = []
  await bus.subscribe('note.added', (envelope) => void seen.push(envelope.payload.n as number), {
    durable: 'sync-worker',
  })
  const before = clock.timers
  const drafts = Array.from({ length: 20 }, (_, n) => ({ type: 'note.added', payload: { n } }))
  for (const outcome of await bus.publishManyUntyped(drafts)) assert.equal(outcome.ok, true)
  await until(() => seen.length === 20, 'twenty deliveries')
  assert.equal(clock.timers - before, 0)
})

test('synchronous handlers see a log of interleaved sessions in seq order', async () => {
  // A session's next event waits for its previous one; with synchronous handlers that wait ends
  // before any later event is handed out, so the log's order is kept. A forwarder such as the WS
  // tail resumes by seq and drops what is at or below the last seq it saw (decision 2100).
  const sessions = ['a', 'a', undefined, 'b', 'a', 'b', undefined, 'a', 'c', 'c', 'b', 'a']
  const log = Array.from({ length: 600 }, (_, index) =>
    recordOf(index + 1, sessions[index % sessions.length]),
  )
  const { engine } = engineOver(log, systemClock, { maxAckPending: 200 })
  const seen: number[] = []
  engine.addMember((envelope) => void seen.push(envelope.seq!))
  await until(() => seen.length === log.length, 'every delivery')
  await engine.stop()
  assert.deepEqual(
    seen,
    log.map((record) => record.seq),
  )
})
