// What the publish fast path (decisions 1740–1742) relies on, on every embedded transport: the
// checks skipped for an id, ts and traceId the bus made itself are the only ones skipped; any
// id or ts a producer gives is checked in full; dedupe by id still holds when the memory log
// indexes its ids lazily; guardrails' reused summary never leaks from one event to the next.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { testRegistry } from '../../test/kit/test-registry.ts'
import type { Bus } from '../bus/index.ts'
import { openBus } from './open-bus.ts'

const registry = testRegistry()
const dir = makeTempDir('localhub-publish-fast-path-')
after(() => dir.remove())

const UUID = '0193a4b2-7c3d-7000-8abc-0123456789ab'

function refusal(outcome: { ok: boolean; error?: { code: string; message: string } } | undefined) {
  assert.ok(outcome !== undefined && !outcome.ok, 'expected a refusal')
  return outcome.error!
}

for (const transport of ['memory', 'sqlite'] as const) {
  describe(`publish fast path on ${transport}`, () => {
    let bus: Bus
    let round = 0
    const open = async () => {
      round++
      bus =
        transport === 'memory'
          ? await openBus({ transport, registry })
          : await openBus({ transport, registry, dataDir: `${dir.path}/${transport}-${round}` })
      return bus
    }
    after(async () => bus?.close())

    test('an invalid payload is refused when the bus made id, ts and traceId', async () => {
      await open()
      const [wrongType, missing, extra] = await bus.publishManyUntyped([
        { type: 'note.added', payload: { n: 'one' } },
        { type: 'note.added', payload: { title: 'no n' } },
        { type: 'note.added', payload: { n: 1, unexpected: true } },
      ])
      for (const outcome of [wrongType, missing, extra]) assert.equal(refusal(outcome).code, 'E_VALIDATION')
      // Every other envelope field is still checked on that path.
      const [severity, source, unknownField, longTrace] = await bus.publishManyUntyped([
        { type: 'note.added', payload: { n: 1 }, severity: 'loud' },
        { type: 'note.added', payload: { n: 1 }, source: '' },
        { type: 'note.added', payload: { n: 1 }, colour: 'red' },
        { type: 'note.added', payload: { n: 1 }, traceId: 'x'.repeat(201) },
      ])
      for (const outcome of [severity, source, unknownField, longTrace])
        assert.equal(refusal(outcome).code, 'E_VALIDATION')
      assert.match(refusal(unknownField).message, /colour|additional/)
    })

    test('an id or ts given by the producer is checked in full, alone or together', async () => {
      await open()
      const outcomes = await bus.publishManyUntyped([
        { type: 'note.added', payload: { n: 1 }, id: 'not-a-uuid' },
        { type: 'note.added', payload: { n: 2 }, ts: 'yesterday' },
        { type: 'note.added', payload: { n: 3 }, id: 'not-a-uuid', ts: '2026-12-06T01:00:00Z' },
        { type: 'note.added', payload: { n: 4 }, id: UUID, ts: '2026-13-40T99:00:00Z' },
        { type: 'note.added', payload: { n: 5 }, id: 42 },
      ])
      for (const outcome of outcomes) assert.equal(refusal(outcome).code, 'E_VALIDATION')
      const [good] = await bus.publishManyUntyped([
        { type: 'note.added', payload: { n: 6 }, id: UUID, ts: '2026-12-06T01:00:00Z' },
      ])
      assert.ok(good?.ok)
      const [stored] = await collect(bus)
      assert.equal(stored?.id, UUID)
      assert.equal(stored?.ts, '2026-12-06T01:00:00Z')
    })

    test('a made id and ts are a UUIDv7 and an RFC 3339 time, traceId the id', async () => {
      await open()
      await bus.publishManyUntyped([{ type: 'note.added', payload: { n: 1 } }])
      const [event] = await collect(bus)
      assert.match(event!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.ok(!Number.isNaN(Date.parse(event!.ts)) && event!.ts.endsWith('Z'))
      assert.equal(event!.traceId, event!.id)
    })

    test('a field inherited by the draft is not a field of the envelope', async () => {
      await open()
      const draft = Object.create({ colour: 'red' }) as Record<string, unknown>
      draft.type = 'note.added'
      draft.payload = { n: 1 }
      const [outcome] = await bus.publishManyUntyped([draft])
      assert.ok(outcome?.ok)
    })

    test('ids made by the bus dedupe a later publish of the same id, within and across batches', async () => {
      await open()
      const made = await bus.publishManyUntyped(
        Array.from({ length: 3000 }, (_, n) => ({ type: 'note.added', payload: { n } })),
      )
      const receipts = made.map((outcome) => (outcome.ok ? outcome.data : assert.fail('refused')))
      const [first, middle, last] = [receipts[0]!, receipts[1500]!, receipts[2999]!]
      const again = await bus.publishManyUntyped([
        { type: 'note.added', payload: { n: 1 }, id: middle.id },
        { type: 'note.added', payload: { n: 2 }, id: first.id },
        { type: 'note.added', payload: { n: 3 }, id: UUID },
        { type: 'note.added', payload: { n: 4 }, id: UUID },
        { type: 'note.added', payload: { n: 5 }, id: last.id },
      ])
      const data = again.map((outcome) => (outcome.ok ? outcome.data : assert.fail('refused')))
      assert.deepEqual(data[0], { id: middle.id, seq: middle.seq, duplicate: true })
      assert.deepEqual(data[1], { id: first.id, seq: first.seq, duplicate: true })
      assert.equal(data[2]!.duplicate, undefined)
      assert.deepEqual(data[3], { id: UUID, seq: data[2]!.seq, duplicate: true })
      assert.deepEqual(data[4], { id: last.id, seq: last.seq, duplicate: true })
      // Made ids published after the lookup are found too (the index catches up again).
      const [later] = await bus.publishManyUntyped([{ type: 'note.added', payload: { n: 9 } }])
      const laterId = later!.ok ? later!.data.id : assert.fail('refused')
      const [dup] = await bus.publishManyUntyped([{ type: 'note.added', payload: { n: 9 }, id: laterId }])
      assert.equal(dup!.ok && dup!.data.duplicate, true)
      let count = 0
      for await (const _event of bus.replay({})) count++
      assert.equal(count, 3002)
    })

    test("guardrails' summary of one event never reaches the next", async () => {
      await open()
      await bus.publishManyUntyped([
        { type: 'note.added', payload: { n: 1 }, meta: { token: 'drop me', authorization: 'x' } },
        { type: 'note.added', payload: { n: 2 }, meta: { kept: 'yes' } },
        { type: 'note.added', payload: { n: 3 }, meta: { secret: 'drop me too' } },
      ])
      const events = await collect(bus)
      const summaries = events.map((event) => (event.payload as Record<string, unknown>)._guardrails)
      assert.deepEqual(summaries[0], {
        dropped: ['/meta/token', '/meta/authorization'],
        hashed: [],
        capped: [],
        replaced: [],
      })
      assert.equal(summaries[1], undefined)
      assert.deepEqual(summaries[2], { dropped: ['/meta/secret'], hashed: [], capped: [], replaced: [] })
    })
  })
}

async function collect(bus: Bus) {
  const events = []
  for await (const event of bus.replay({})) events.push(event)
  return events
}
