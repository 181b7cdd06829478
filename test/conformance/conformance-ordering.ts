import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { waitFor } from '../kit/wait-for.ts'
import type { SuiteContext } from './run-conformance.ts'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function orderingTests(suite: SuiteContext): void {
  describe('ordering', () => {
    test('session-ordered types reach a consumer in session order, one in flight per session, sessions in parallel', async () => {
      const { bus } = await suite.fresh()
      const sessions = ['s1', 's2', 's3', 's4']
      const perSession = 15
      const seen = new Map<string, number[]>(sessions.map((session) => [session, []]))
      const inFlight = new Map<string, number>()
      let concurrent = 0
      let maxConcurrent = 0
      let violations = 0
      const failedOnce = new Set<string>()
      await bus.subscribe(
        'chat.*',
        async (event, context) => {
          const session = event.sessionId!
          if ((inFlight.get(session) ?? 0) > 0) violations++
          inFlight.set(session, (inFlight.get(session) ?? 0) + 1)
          concurrent++
          maxConcurrent = Math.max(maxConcurrent, concurrent)
          try {
            await pause(((event.payload.n as number) * 7) % 4)
            // Some events fail once: their session must wait for the redelivery.
            if ((event.payload.n as number) % 5 === 2 && context.attempt === 1 && !failedOnce.has(event.id)) {
              failedOnce.add(event.id)
              throw new Error('transient')
            }
            seen.get(session)!.push(event.sessionSeq!)
          } finally {
            concurrent--
            inFlight.set(session, inFlight.get(session)! - 1)
          }
        },
        { durable: 'ordered', backoffMs: [3], maxDeliver: 5 },
      )
      const drafts = []
      for (let n = 0; n < perSession; n++) {
        for (const sessionId of sessions) {
          drafts.push({
            type: n % 2 ? 'chat.message' : 'chat.query',
            sessionId,
            payload: n % 2 ? { n } : { text: `q${n}` },
          })
        }
      }
      // Half concurrently through publish, half in one publishMany: both paths keep session order.
      await Promise.all(drafts.slice(0, 30).map((draft) => bus.publishUntyped(draft)))
      await bus.publishManyUntyped(drafts.slice(30))
      await waitFor(
        () => [...seen.values()].every((list) => list.length === perSession),
        'every event',
        10_000,
      )
      for (const [session, list] of seen) {
        assert.deepEqual(
          list,
          Array.from({ length: perSession }, (_, index) => index + 1),
          `session ${session} in order`,
        )
      }
      assert.equal(violations, 0, 'never two events of one session in flight')
      assert.ok(maxConcurrent > 1, 'different sessions were handled in parallel')
      assert.ok(failedOnce.size > 0)
    })

    test('unordered types may be handled concurrently and are first delivered in seq order', async () => {
      const { bus } = await suite.fresh()
      const started: number[] = []
      let concurrent = 0
      let maxConcurrent = 0
      await bus.subscribe('note.added', async (event) => {
        started.push(event.seq!)
        concurrent++
        maxConcurrent = Math.max(maxConcurrent, concurrent)
        await pause(5)
        concurrent--
      })
      await bus.publishManyUntyped(
        Array.from({ length: 10 }, (_, n) => ({ type: 'note.added', payload: { n }, sessionId: 'same' })),
      )
      await waitFor(() => started.length === 10, 'all started')
      assert.deepEqual(
        started,
        Array.from({ length: 10 }, (_, n) => n + 1),
      )
      assert.ok(maxConcurrent > 1, 'no per-session gate for types without ordering: session')
    })

    test('a synchronous handler gets interleaved sessions and unsessioned events in seq order', async () => {
      // A forwarder (the WS tail, a bridge) returns at once and resumes by seq: a session's event
      // handed out after a later seq would be skipped by it (decision 2100).
      const { bus } = await suite.fresh()
      const seen: number[] = []
      await bus.subscribe('>', (event) => {
        if (event.seq !== undefined && event.type.startsWith('chat.')) seen.push(event.seq)
      })
      const sessions = ['a', 'a', undefined, 'a', 'b', 'b', undefined, 'a', 'c', 'c', 'b', 'a']
      const drafts = Array.from({ length: 120 }, (_, n) => {
        const sessionId = sessions[n % sessions.length]
        return sessionId === undefined
          ? { type: 'chat.message', payload: { n } }
          : { type: 'chat.query', sessionId, payload: { text: `q${n}` } }
      })
      const outcomes = await bus.publishManyUntyped(drafts)
      const seqs = outcomes.map((outcome) => {
        assert.ok(outcome.ok, JSON.stringify(outcome))
        return outcome.data.seq!
      })
      await waitFor(() => seen.length >= seqs.length, 'every event', 10_000)
      assert.deepEqual(seen, seqs)
    })

    test("ordered: 'session' on a subscription orders every type that carries a sessionId", async () => {
      const { bus } = await suite.fresh()
      let concurrent = 0
      let maxConcurrent = 0
      const order: number[] = []
      await bus.subscribe(
        'note.added',
        async (event) => {
          concurrent++
          maxConcurrent = Math.max(maxConcurrent, concurrent)
          await pause(2)
          order.push(event.payload.n as number)
          concurrent--
        },
        { ordered: 'session' },
      )
      await bus.publishManyUntyped(
        Array.from({ length: 6 }, (_, n) => ({ type: 'note.added', payload: { n }, sessionId: 'one' })),
      )
      await waitFor(() => order.length === 6, 'all handled')
      assert.equal(maxConcurrent, 1)
      assert.deepEqual(order, [0, 1, 2, 3, 4, 5])
    })
  })
}
