import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../../src/contracts/index.ts'
import { collect, settle, waitFor } from '../kit/wait-for.ts'
import type { SuiteContext } from './run-conformance.ts'

export function durabilityTests(suite: SuiteContext): void {
  describe('crash, restart, close', () => {
    test('a durable consumer that stops with unacked work resumes where it was; acked events are not redelivered', async () => {
      const { bus } = await suite.fresh()
      for (let n = 1; n <= 6; n++) await bus.publishUntyped({ type: 'note.added', payload: { n } })
      const first: number[] = []
      const stuck = new Promise<void>(() => {})
      const subscription = await bus.subscribe(
        'note.added',
        async (event) => {
          const n = event.payload.n as number
          if (n === 4) await stuck
          first.push(n)
        },
        { durable: 'worker', from: 'first', ackWaitMs: 50, maxAckPending: 1 },
      )
      await waitFor(() => first.length === 3, 'three acked')
      await subscription.unsubscribe()
      const second: number[] = []
      await bus.subscribe('note.added', (event) => void second.push(event.payload.n as number), {
        durable: 'worker',
        from: 'first',
      })
      await bus.publishUntyped({ type: 'note.added', payload: { n: 7 } })
      await waitFor(() => second.length === 4, 'the rest')
      await settle()
      assert.deepEqual(first, [1, 2, 3])
      assert.deepEqual(second, [4, 5, 6, 7])
    })

    test("a durable name is bound to its filter; 'from' places a new consumer", async () => {
      const { bus } = await suite.fresh()
      await bus.publishManyUntyped([1, 2, 3].map((n) => ({ type: 'note.added', payload: { n } })))
      const fromSeq: number[] = []
      await bus.subscribe('note.added', (event) => void fromSeq.push(event.seq!), {
        durable: 'placed',
        from: { seq: 2 },
      })
      await waitFor(() => fromSeq.length === 2, 'from seq 2')
      const fresh: number[] = []
      await bus.subscribe('note.added', (event) => void fresh.push(event.seq!), { from: 'new' })
      await bus.publishUntyped({ type: 'note.added', payload: { n: 4 } })
      await waitFor(() => fresh.length === 1, 'only new events')
      assert.deepEqual(fromSeq.slice(0, 2), [2, 3])
      assert.deepEqual(fresh, [4])
      await assert.rejects(
        bus.subscribe('chat.*', () => {}, { durable: 'placed' }),
        { code: 'E_BAD_REQUEST' },
      )
    })

    test('close() waits for publishes under way, then refuses new work', async () => {
      const { bus } = await suite.fresh()
      const pending = Array.from({ length: 50 }, (_, n) =>
        bus.publishUntyped({ type: 'note.added', payload: { n } }),
      )
      await bus.close()
      const receipts = await Promise.all(pending)
      assert.equal(new Set(receipts.map((receipt) => receipt.seq)).size, 50)
      await assert.rejects(bus.publishUntyped({ type: 'note.added', payload: { n: 1 } }), {
        code: 'E_DEPENDENCY_UNAVAILABLE',
      })
      await bus.close()
    })

    test('restart: log, consumer positions, dedupe keys and DLQ survive (or persistence is refused clearly)', async () => {
      const { bus, target } = await suite.fresh()
      if (!bus.capabilities.persistent) {
        assert.ok(target.requestPersistence, 'a non-persistent target must show how persistence is refused')
        await assert.rejects(target.requestPersistence(), (error: unknown) => {
          assert.ok(error instanceof HubError)
          assert.equal(error.code, 'E_BAD_REQUEST')
          assert.match(error.message, /memory|persist|restart/i)
          return true
        })
        return
      }
      const handled: number[] = []
      await bus.subscribe(
        'note.added',
        (event) => {
          if (event.payload.n === 3) throw new Error('poison')
          handled.push(event.payload.n as number)
        },
        { durable: 'keeper', from: 'first', maxDeliver: 1 },
      )
      const first = await bus.publishUntyped({
        type: 'note.added',
        payload: { n: 1 },
        idempotencyKey: 'once',
      })
      await bus.publishManyUntyped([2, 3].map((n) => ({ type: 'note.added', payload: { n } })))
      await waitFor(() => handled.length === 2, 'two handled')
      await settle(10)
      await bus.close()

      const reopened = await target.open()
      const again = await reopened.publishUntyped({
        type: 'note.added',
        payload: { n: 1 },
        idempotencyKey: 'once',
      })
      assert.deepEqual(again, { id: first.id, seq: first.seq, duplicate: true })
      const dlq = await reopened.dlq.list({ consumer: 'keeper' })
      assert.equal(dlq.length, 1)
      assert.equal(dlq[0]!.lastError, 'poison')
      const after: number[] = []
      await reopened.subscribe('note.added', (event) => void after.push(event.payload.n as number), {
        durable: 'keeper',
      })
      await reopened.publishUntyped({ type: 'note.added', payload: { n: 4 } })
      await waitFor(() => after.length === 1, 'only the new event')
      await settle()
      assert.deepEqual(after, [4])
      const log = await collect(reopened.replay())
      assert.deepEqual(
        log.map((event) => event.type),
        ['note.added', 'note.added', 'note.added', 'bus.dlq.moved', 'note.added'],
      )
      assert.deepEqual(
        log.map((event) => event.seq),
        [1, 2, 3, 4, 5],
      )
      await reopened.close()
    })
  })
}
