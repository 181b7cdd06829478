// A publisher that hands its drafts over (PublishOptions.handOver) lets the first in-process
// delivery of each stored event take the published object instead of a parse (decision 1772);
// every other delivery gets its own parse, as decision 1638 requires. A consumer asking for
// stored JSON gets the stored text beside its envelope (decision 1774).
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { collect, waitFor } from '../../test/kit/wait-for.ts'
import type { Envelope } from '../contracts/index.ts'
import { memoryTransport } from '../transports/memory/index.ts'
import { sqliteTransport } from '../transports/sqlite/index.ts'
import { createBus } from './bus.ts'
import type { Bus } from './bus-types.ts'
import { storedJsonOf } from './stored-json.ts'

async function sqliteBus(t: { after(fn: () => unknown): void }): Promise<Bus> {
  const dir = makeTempDir('localhub-hand-over-')
  const bus = await createBus({
    registry: testRegistry(),
    transport: sqliteTransport({ path: join(dir.path, 'events.sqlite') }),
  })
  t.after(async () => {
    await bus.close()
    dir.remove()
  })
  return bus
}

const draftsOf = (count: number) =>
  Array.from({ length: count }, (_, n) => ({ type: 'note.added', payload: { n }, sessionId: `s${n % 3}` }))

test('a handed-over event reaches one consumer as the published object, the other as its own parse', async (t) => {
  const bus = await sqliteBus(t)
  const seen: Record<'a' | 'b', Envelope[]> = { a: [], b: [] }
  for (const name of ['a', 'b'] as const)
    await bus.subscribe('note.added', (envelope) => void seen[name].push(envelope), { durable: name })
  const drafts = draftsOf(10)
  const outcomes = await bus.publishManyUntyped(drafts, { handOver: true })
  await waitFor(() => seen.a.length === 10 && seen.b.length === 10, 'both consumers', 5_000)
  for (let n = 0; n < 10; n++) {
    const [a, b] = [seen.a[n]!, seen.b[n]!]
    const published = a.payload === drafts[n]!.payload || b.payload === drafts[n]!.payload
    assert.ok(published, `event ${n}: one consumer got the published payload itself`)
    assert.notEqual(a, b)
    assert.notEqual(a.payload, b.payload, `event ${n}: the two consumers do not share a payload`)
    // The handed-over object is what the stored text holds, seq and sessionSeq included.
    assert.deepEqual(a, b)
    const outcome = outcomes[n]!
    const receipt = outcome.ok ? outcome.data : undefined
    assert.equal(a.seq, receipt?.seq)
    assert.equal(a.sessionSeq, receipt?.sessionSeq)
  }
  const [stored] = await collect(bus.replay({ from: { seq: seen.a[0]!.seq! }, limit: 1 }))
  assert.deepEqual(seen.a[0], stored)
})

test('without handOver, and on a retry, every delivery is a parse of the stored text', async (t) => {
  const bus = await sqliteBus(t)
  const drafts = draftsOf(4)
  const attempts: Envelope[] = []
  await bus.subscribe(
    'note.added',
    (envelope, context) => {
      attempts.push(envelope)
      if (envelope.payload.n === 1 && context.attempt === 1) {
        // A failed attempt's changes are not seen by the retry (decision 1638).
        envelope.payload.n = 99
        throw new Error('retry me')
      }
    },
    { durable: 'retrying', backoffMs: [0] },
  )
  await bus.publishManyUntyped(drafts.slice(0, 2), { handOver: true })
  await bus.publishManyUntyped(drafts.slice(2))
  await waitFor(() => attempts.length === 5, 'four events and one retry', 5_000)
  assert.equal(attempts[0]!.payload, drafts[0]!.payload, 'handed over: the published object')
  const retried = attempts.filter((envelope) => envelope.id === attempts[1]!.id)
  assert.equal(retried.length, 2)
  assert.equal(retried[1]!.payload.n, 1, 'the retry is parsed from the stored text')
  assert.notEqual(retried[1]!.payload, drafts[1]!.payload)
  for (const envelope of attempts.filter((envelope) => envelope.payload.n === 2 || envelope.payload.n === 3))
    assert.ok(!drafts.some((draft) => draft.payload === envelope.payload), 'not handed over: parsed')
})

test('a trusted handler of the type turns hand-over off: it shares the published payload', async (t) => {
  const bus = await sqliteBus(t)
  const trustedSeen: Envelope[] = []
  await bus.subscribe('note.added', (envelope) => void trustedSeen.push(envelope), { trusted: true })
  const seen: Envelope[] = []
  await bus.subscribe('note.added', (envelope) => void seen.push(envelope), { durable: 'c' })
  const drafts = draftsOf(3)
  await bus.publishManyUntyped(drafts, { handOver: true })
  await waitFor(() => seen.length === 3 && trustedSeen.length === 3, 'deliveries', 5_000)
  for (let n = 0; n < 3; n++) assert.notEqual(seen[n]!.payload, trustedSeen[n]!.payload)
})

test('the memory log keeps objects, so it hands none over: a handler cannot change the log', async (t) => {
  const bus = await createBus({ registry: testRegistry(), transport: memoryTransport() })
  t.after(() => bus.close())
  const seen: Envelope[] = []
  await bus.subscribe(
    'note.added',
    (envelope) => {
      seen.push(envelope)
      envelope.source = 'changed.by.handler'
    },
    { durable: 'm' },
  )
  await bus.publishManyUntyped(draftsOf(3), { handOver: true })
  await waitFor(() => seen.length === 3, 'deliveries', 5_000)
  const stored = await collect(bus.replay({}))
  assert.deepEqual(
    stored.map((envelope) => envelope.source),
    stored.map(() => 'kernel'),
  )
})

test('a consumer that asks for stored JSON gets the stored text of each delivered envelope', async (t) => {
  const bus = await sqliteBus(t)
  const withText: Envelope[] = []
  const without: Envelope[] = []
  await bus.subscribe('note.added', (envelope) => void withText.push(envelope), { storedJson: true })
  await bus.subscribe('note.added', (envelope) => void without.push(envelope))
  await bus.publishManyUntyped(draftsOf(5))
  await waitFor(() => withText.length === 5 && without.length === 5, 'deliveries', 5_000)
  const texts = await collect(bus.replayJson({}))
  for (let n = 0; n < 5; n++) {
    assert.equal(storedJsonOf(withText[n]!), texts[n]!.json)
    assert.equal(storedJsonOf(withText[n]!), JSON.stringify(withText[n]))
    assert.equal(storedJsonOf(without[n]!), undefined)
  }
})

test('batches handed over back to back are each found by seq, by consumers of different types', async (t) => {
  const bus = await sqliteBus(t)
  const notes: Envelope[] = []
  const chats: Envelope[] = []
  await bus.subscribe('note.added', (envelope) => void notes.push(envelope), { durable: 'notes' })
  await bus.subscribe('chat.message', (envelope) => void chats.push(envelope), { durable: 'chats' })
  // Notes and chat messages interleaved, three batches committed before any pump runs.
  const batches = [0, 1, 2].map((batch) =>
    Array.from({ length: 30 }, (_, n) =>
      n % 3 === 0
        ? { type: 'chat.message', payload: { n: batch * 100 + n }, sessionId: 's' }
        : { type: 'note.added', payload: { n: batch * 100 + n } },
    ),
  )
  await Promise.all(batches.map((drafts) => bus.publishManyUntyped(drafts, { handOver: true })))
  await waitFor(() => notes.length === 60 && chats.length === 30, 'deliveries', 5_000)
  const payloads = new Set<unknown>(batches.flat().map((draft) => draft.payload))
  for (const envelope of [...notes, ...chats])
    assert.ok(payloads.has(envelope.payload), `seq ${envelope.seq}: the published object, not a parse`)
  assert.deepEqual(
    chats.map((envelope) => envelope.seq),
    [...chats.map((envelope) => envelope.seq!)].sort((a, b) => a - b),
  )
})

test('handing over keeps no Map entry per event (decision 2089)', async (t) => {
  const bus = await sqliteBus(t)
  await bus.subscribe('note.added', () => {}, { durable: 'counted' })
  const sets = t.mock.method(Map.prototype, 'set')
  const mapSetsOf = async (handOver: boolean) => {
    const before = sets.mock.callCount()
    await bus.publishManyUntyped(draftsOf(200), { handOver })
    return sets.mock.callCount() - before
  }
  await mapSetsOf(false)
  await mapSetsOf(true)
  const without = await mapSetsOf(false)
  const handedOver = await mapSetsOf(true)
  assert.ok(handedOver <= without, `${handedOver} Map.set calls handed over, ${without} without`)
})
