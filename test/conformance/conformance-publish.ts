import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../../src/contracts/index.ts'
import { ManualClock } from '../kit/manual-clock.ts'
import { collect } from '../kit/wait-for.ts'
import type { SuiteContext } from './run-conformance.ts'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

async function rejection(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof HubError, `expected a HubError, got ${String(error)}`)
    return error
  }
  assert.fail('expected a rejection')
}

export function publishTests(suite: SuiteContext): void {
  describe('publish', () => {
    test('assigns a UUIDv7 id, ts, a global seq and a per-session sessionSeq', async () => {
      const { bus } = await suite.fresh()
      const a = await bus.publishUntyped({ type: 'chat.message', payload: { n: 1 }, sessionId: 's1' })
      const b = await bus.publishUntyped({ type: 'chat.message', payload: { n: 2 }, sessionId: 's2' })
      const c = await bus.publishUntyped({ type: 'chat.message', payload: { n: 3 }, sessionId: 's1' })
      const d = await bus.publishUntyped({ type: 'note.added', payload: { n: 4 } })
      assert.match(a.id, UUID_V7)
      assert.deepEqual([a.seq, b.seq, c.seq, d.seq], [1, 2, 3, 4])
      assert.deepEqual([a.sessionSeq, b.sessionSeq, c.sessionSeq, d.sessionSeq], [1, 1, 2, undefined])
      const stored = await collect(bus.replay())
      assert.equal(stored.length, 4)
      assert.equal(stored[2]!.sessionSeq, 2)
      assert.ok(!Number.isNaN(Date.parse(stored[0]!.ts)))
      assert.equal(stored[0]!.tenant, 'default')
      assert.equal(stored[0]!.traceId, a.id, 'a new trace starts at the event when none is given')
    })

    test('stores and broadcasts the guardrailed form, never the raw content', async () => {
      const { bus } = await suite.fresh()
      await bus.publishUntyped({
        type: 'chat.query',
        payload: { text: 'my secret question' },
        meta: { token: 'abc', route: 'x' },
      })
      const [stored] = await collect(bus.replay())
      assert.equal(stored!.payload.text, undefined)
      assert.equal(stored!.payload.text_len, 18)
      assert.match(String(stored!.payload.text_sha256), /^[0-9a-f]{64}$/)
      assert.equal(stored!.meta?.token, undefined, 'denied keys are dropped from meta')
      assert.equal(stored!.meta?.route, 'x')
      assert.ok(!JSON.stringify(stored).includes('my secret question'))
    })

    test('rejects invalid envelopes with their issues; publishMany reports per event and keeps the rest', async () => {
      const { bus } = await suite.fresh()
      const error = await rejection(bus.publishUntyped({ type: 'chat.message', payload: { n: 'one' } }))
      assert.equal(error.code, 'E_VALIDATION')
      assert.equal(error.details?.issues?.[0]?.path, '/payload/n')
      const unknown = await rejection(bus.publishUntyped({ type: 'chat.mesage', payload: { n: 1 } }))
      assert.match(unknown.message, /did you mean chat\.message/)
      const outcomes = await bus.publishManyUntyped([
        { type: 'note.added', payload: { n: 1 } },
        { type: 'note.added', payload: {} },
        'not an envelope',
        { type: 'note.added', payload: { n: 3 }, extra: true },
        { type: 'note.added', payload: { n: 4 } },
      ])
      assert.deepEqual(
        outcomes.map((outcome) => outcome.ok),
        [true, false, false, false, true],
      )
      const stored = await collect(bus.replay())
      assert.deepEqual(
        stored.map((event) => event.payload.n),
        [1, 4],
      )
      assert.ok(outcomes.every((outcome) => outcome.ok || typeof outcome.error.message === 'string'))
    })

    test('survives hostile input with clear errors', async () => {
      const { bus } = await suite.fresh()
      let deep: Record<string, unknown> = { n: 1 }
      for (let level = 0; level < 200; level++) deep = { inner: deep }
      const hostile: unknown[] = [
        null,
        42,
        [],
        { type: 'note.added', payload: JSON.parse('{"n":1,"__proto__":{"polluted":true}}') },
        { type: 'note.added', payload: deep },
        { type: 'note.added', payload: { n: 1, title: 'x'.repeat(2_000_000) } },
        { type: 'note.added', payload: { n: 1 }, constructor: { prototype: {} } },
        { type: 'x'.repeat(1000), payload: {} },
        { type: 'note.added', payload: { n: 1 }, seq: 999, sessionSeq: 5 },
      ]
      const outcomes = await bus.publishManyUntyped(hostile)
      assert.deepEqual(
        outcomes.map((outcome) => outcome.ok),
        [false, false, false, false, false, false, false, false, true],
      )
      assert.equal(({} as Record<string, unknown>).polluted, undefined)
      const [kept] = await collect(bus.replay())
      assert.equal(kept!.seq, 1, 'seq given by a producer is ignored; the log assigns it')
      await assert.rejects(bus.publishManyUntyped('nope' as unknown as unknown[]), /array/)
    })

    test('dedupes by id and by idempotency key within the window, and forgets after it', async () => {
      const clock = new ManualClock()
      const { bus } = await suite.fresh({ clock, dedupeWindowMs: 60_000 })
      const first = await bus.publishUntyped({ type: 'note.added', payload: { n: 1 } })
      const again = await bus.publishUntyped({ id: first.id, type: 'note.added', payload: { n: 1 } })
      assert.deepEqual(again, { id: first.id, seq: first.seq, duplicate: true })
      const keyed = await bus.publishUntyped({ type: 'note.added', payload: { n: 2 }, idempotencyKey: 'k1' })
      const keyedAgain = await bus.publishUntyped({
        type: 'note.added',
        payload: { n: 2 },
        idempotencyKey: 'k1',
      })
      assert.equal(keyedAgain.duplicate, true)
      assert.equal(keyedAgain.seq, keyed.seq)
      // The catalog names noteId as the idempotency field of note.added.
      const derived = await bus.publishUntyped({ type: 'note.added', payload: { n: 3, noteId: 'note-7' } })
      const derivedAgain = await bus.publishUntyped({
        type: 'note.added',
        payload: { n: 3, noteId: 'note-7' },
      })
      assert.equal(derivedAgain.seq, derived.seq)
      const batch = await bus.publishManyUntyped([
        { type: 'note.added', payload: { n: 4 }, idempotencyKey: 'k2' },
        { type: 'note.added', payload: { n: 4 }, idempotencyKey: 'k2' },
      ])
      assert.ok(batch[0]!.ok && batch[1]!.ok)
      assert.equal(batch[1]!.ok && batch[1]!.data.duplicate, true, 'duplicates inside one batch are caught')
      clock.advance(60_001)
      const later = await bus.publishUntyped({ type: 'note.added', payload: { n: 2 }, idempotencyKey: 'k1' })
      assert.equal(later.duplicate, undefined)
      assert.ok(later.seq! > keyed.seq!)
      assert.equal((await collect(bus.replay())).length, 5)
    })

    test('ephemeral types are dispatched only: no seq, never stored, never replayed', async () => {
      const { bus } = await suite.fresh()
      const live: number[] = []
      await bus.subscribe('llm.token', (event) => {
        live.push(event.payload.n as number)
        assert.equal(event.seq, undefined)
      })
      const receipt = await bus.publishUntyped({ type: 'llm.token', payload: { n: 1, text: 'hi' } })
      assert.equal(receipt.seq, undefined)
      await bus.publishUntyped({ type: 'llm.token', payload: { n: 2, text: 'there' } })
      await bus.publishUntyped({ type: 'note.added', payload: { n: 9 } })
      const stored = await collect(bus.replay())
      assert.deepEqual(
        stored.map((event) => event.type),
        ['note.added'],
      )
      assert.equal(stored[0]!.seq, 1, 'ephemeral events do not advance seq')
      await new Promise((resolve) => setTimeout(resolve, 20))
      assert.deepEqual(live, [1, 2])
    })
  })
}
