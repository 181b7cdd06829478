import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { ManualClock } from '../kit/manual-clock.ts'
import { settle, waitFor } from '../kit/wait-for.ts'
import type { SuiteContext } from './run-conformance.ts'

export function deliveryTests(suite: SuiteContext): void {
  describe('acks, redelivery, backoff, DLQ', () => {
    test('a handler that resolves acks; one that throws is redelivered after the configured backoff', async () => {
      const clock = new ManualClock()
      const { bus } = await suite.fresh({ clock })
      const attempts: { n: number; attempt: number; at: number }[] = []
      await bus.subscribe(
        'note.added',
        (event, context) => {
          attempts.push({ n: event.payload.n as number, attempt: context.attempt, at: clock.now() })
          if (event.payload.n === 2 && context.attempt < 3) throw new Error(`boom ${context.attempt}`)
        },
        { durable: 'backoff', backoffMs: [100, 400], maxDeliver: 5, ackWaitMs: 60_000 },
      )
      const start = clock.now()
      await bus.publishUntyped({ type: 'note.added', payload: { n: 1 } })
      await bus.publishUntyped({ type: 'note.added', payload: { n: 2 } })
      await waitFor(() => attempts.length === 2, 'first deliveries')
      clock.advance(99)
      await settle()
      assert.equal(attempts.length, 2, 'not redelivered before the first backoff elapsed')
      clock.advance(1)
      await waitFor(() => attempts.length === 3, 'second delivery after 100 ms')
      clock.advance(399)
      await settle()
      assert.equal(attempts.length, 3, 'second backoff is 400 ms')
      clock.advance(1)
      await waitFor(() => attempts.length === 4, 'third delivery')
      clock.advance(10_000)
      await settle()
      assert.deepEqual(
        attempts.map(({ n, attempt, at }) => [n, attempt, at - start]),
        [
          [1, 1, 0],
          [2, 1, 0],
          [2, 2, 100],
          [2, 3, 500],
        ],
      )
    })

    test('a handler that runs past ackWait is redelivered', async () => {
      const clock = new ManualClock()
      const { bus } = await suite.fresh({ clock })
      let calls = 0
      await bus.subscribe(
        'note.added',
        async (_event, context) => {
          calls++
          if (context.attempt === 1) await new Promise(() => {})
        },
        { ackWaitMs: 1000, backoffMs: [0], maxDeliver: 3 },
      )
      await bus.publishUntyped({ type: 'note.added', payload: { n: 1 } })
      await waitFor(() => calls === 1, 'first delivery')
      clock.advance(999)
      await settle()
      assert.equal(calls, 1)
      clock.advance(1)
      await waitFor(() => calls === 2, 'redelivery after ackWait')
    })

    test('after maxDeliver the event moves to the DLQ with attempts and last error; list, retry and purge work', async () => {
      const clock = new ManualClock()
      const { bus } = await suite.fresh({ clock })
      let healthy = false
      const handled: number[] = []
      await bus.subscribe(
        'note.added',
        (event) => {
          if (!healthy && event.payload.n !== 0) throw new Error(`cannot handle ${event.payload.n}`)
          handled.push(event.payload.n as number)
        },
        { durable: 'fragile', maxDeliver: 2, backoffMs: [10] },
      )
      const dlqEvents: Envelope[] = []
      await bus.subscribe('bus.dlq.*', (event) => void dlqEvents.push(event))
      await bus.publishUntyped({ type: 'note.added', payload: { n: 0 } })
      const bad = await bus.publishUntyped({ type: 'note.added', payload: { n: 1 } })
      await bus.publishUntyped({ type: 'note.added', payload: { n: 2 } })
      await waitFor(() => handled.length === 1, 'the good event')
      await settle()
      clock.advance(10)
      await waitFor(() => dlqEvents.length === 2, 'two bus.dlq.moved events')
      const entries = await bus.dlq.list({ consumer: 'fragile' })
      assert.equal(entries.length, 2)
      const first = entries.find((entry) => entry.eventId === bad.id)!
      assert.equal(first.attempts, 2)
      assert.equal(first.lastError, 'cannot handle 1')
      assert.equal(first.seq, bad.seq)
      assert.equal(first.envelope.payload.n, 1)
      const moved = dlqEvents.find((event) => event.payload.eventId === bad.id)!
      assert.equal(moved.type, 'bus.dlq.moved')
      assert.equal(moved.payload.attempts, 2)
      assert.equal(moved.payload.consumer, 'fragile')
      assert.equal(moved.payload.dlqId, first.dlqId)
      healthy = true
      const retried = await bus.dlq.retry({ ids: [first.dlqId] })
      assert.equal(retried.length, 1)
      await waitFor(() => handled.includes(1), 'the retried event is delivered again')
      const purged = await bus.dlq.purge({ consumer: 'fragile' })
      assert.deepEqual(
        purged.map((entry) => entry.envelope.payload.n),
        [2],
      )
      assert.deepEqual(await bus.dlq.list({}), [])
      await waitFor(() => dlqEvents.length === 4, 'retried and purged events')
      assert.deepEqual(dlqEvents.map((event) => event.type).sort(), [
        'bus.dlq.moved',
        'bus.dlq.moved',
        'bus.dlq.purged',
        'bus.dlq.retried',
      ])
      const retriedEvent = dlqEvents.find((event) => event.type === 'bus.dlq.retried')!
      assert.deepEqual(retriedEvent.payload.dlqIds, [first.dlqId])
      await settle()
      assert.equal(handled.filter((n) => n === 2).length, 0, 'purged events are not delivered')
    })

    test('consumer limits are checked: maxDeliver must be finite, backoff a list of delays', async () => {
      const { bus } = await suite.fresh()
      await assert.rejects(
        bus.subscribe('note.added', () => {}, { maxDeliver: Number.POSITIVE_INFINITY }),
        { code: 'E_BAD_REQUEST' },
      )
      await assert.rejects(
        bus.subscribe('note.added', () => {}, { backoffMs: [-1] }),
        { code: 'E_BAD_REQUEST' },
      )
      await assert.rejects(
        bus.subscribe('note.added', () => {}, { ackWaitMs: 0 }),
        { code: 'E_BAD_REQUEST' },
      )
      await assert.rejects(
        bus.subscribe('note.added', () => {}, { durable: 'bad name!' }),
        { code: 'E_BAD_REQUEST' },
      )
    })
  })
}
