import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { dedupeKeysOf, uuidV7 } from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'
import { ROWS_PER_STATEMENT } from './event-rows.ts'
import { type EventStore, openEventStore } from './event-store.ts'

function note(n: number, extra: Partial<Envelope> = {}): Envelope {
  const id = uuidV7()
  return {
    id,
    type: 'note.added',
    version: 1,
    ts: '2030-01-01T00:00:00.000Z',
    source: 'test',
    severity: 'info',
    traceId: id,
    tenant: 'default',
    payload: { n },
    ...extra,
  }
}

function item(envelope: Envelope) {
  return { envelope, dedupeKeys: dedupeKeysOf(envelope) }
}

interface Row {
  seq: number
  id: string
  session_id: string | null
  session_seq: number | null
  body: string
}

/** Every row, after checking that each stored body carries its row's seq and sessionSeq. */
function rows(store: EventStore): Row[] {
  const all = store.db
    .prepare('SELECT seq, id, session_id, session_seq, body FROM events ORDER BY seq')
    .all() as Row[]
  for (const row of all) {
    const body = JSON.parse(row.body) as Envelope
    assert.equal(body.seq, row.seq, `body of seq ${row.seq}`)
    assert.equal(body.sessionSeq ?? null, row.session_seq, `sessionSeq in the body of seq ${row.seq}`)
    assert.equal(body.id, row.id)
  }
  return all
}

function open(t: { after(fn: () => unknown): void }, path?: string): EventStore {
  let file = path
  if (file === undefined) {
    const dir = makeTempDir()
    t.after(() => dir.remove())
    file = join(dir.path, 'events.sqlite')
  }
  const store = openEventStore({ path: file, dedupeWindowMs: 60_000 })
  t.after(() => store.close())
  return store
}

const RUN = ROWS_PER_STATEMENT + 8

describe('SQLite writer: multi-row INSERTs (decision 1744)', () => {
  test('a duplicate inside a run gets the first event’s receipt; the seqs around it stay contiguous', async (t) => {
    const store = open(t)
    const events = Array.from({ length: RUN }, (_, n) => note(n))
    // The 20th repeats the 5th: both in the first statement's rows.
    events[20] = { ...events[5]!, payload: { n: 20 } }
    const outcomes = await store.append(events.map(item))
    assert.deepEqual(outcomes[20], { id: events[5]!.id, seq: 6, duplicate: true })
    const stored = outcomes.filter((outcome) => !outcome.duplicate).map((outcome) => outcome.seq)
    assert.deepEqual(
      stored,
      Array.from({ length: RUN - 1 }, (_, index) => index + 1),
    )
    const log = rows(store)
    assert.equal(log.length, RUN - 1, 'nothing of the aborted statement was kept twice')
    assert.deepEqual(
      log.map((row) => row.seq),
      stored,
    )
    assert.equal(store.db.prepare('SELECT last_seq FROM log_head').pluck().get(), RUN - 1)
    // The next batch continues right after.
    const [next] = await store.append([item(note(99)), item(note(100))])
    assert.equal(next!.seq, RUN)
  })

  test('an id already in the log, inside a later run, is a duplicate; the rest of the run is stored', async (t) => {
    const store = open(t)
    const first = Array.from({ length: RUN }, (_, n) => note(n))
    await store.append(first.map(item))
    const second = Array.from({ length: RUN }, (_, n) => note(100 + n))
    second[ROWS_PER_STATEMENT - 1] = first[3]!
    const outcomes = await store.append(second.map(item))
    assert.deepEqual(outcomes[ROWS_PER_STATEMENT - 1], { id: first[3]!.id, seq: 4, duplicate: true })
    assert.deepEqual(
      outcomes.filter((outcome) => !outcome.duplicate).map((outcome) => outcome.seq),
      Array.from({ length: RUN - 1 }, (_, index) => RUN + index + 1),
    )
    assert.equal(rows(store).length, 2 * RUN - 1)
  })

  test('session seqs count per session across runs, also when a run falls back to one by one', async (t) => {
    const store = open(t)
    const make = (n: number) => note(n, { sessionId: `s${n % 3}` })
    const batch = Array.from({ length: RUN }, (_, n) => make(n))
    batch[30] = { ...batch[2]!, payload: { n: 30 } }
    const outcomes = await store.append(batch.map(item))
    assert.equal(outcomes[30]!.duplicate, true)
    assert.equal(outcomes[30]!.sessionSeq, outcomes[2]!.sessionSeq)
    await store.append(Array.from({ length: RUN }, (_, n) => item(make(n))))
    const bySession = new Map<string, number[]>()
    for (const row of rows(store)) {
      const list = bySession.get(row.session_id!) ?? []
      list.push(row.session_seq!)
      bySession.set(row.session_id!, list)
    }
    assert.equal(bySession.size, 3)
    for (const [session, seqs] of bySession)
      assert.deepEqual(
        seqs,
        seqs.map((_, index) => index + 1),
        `session ${session} is gapless`,
      )
  })

  test('events with an idempotency key inside a run are still deduped by it, and keep their place', async (t) => {
    const store = open(t)
    const keyed = note(1000, { idempotencyKey: 'k-1' })
    const batch = Array.from({ length: RUN }, (_, n) => note(n))
    batch[10] = keyed
    batch[25] = note(1001, { idempotencyKey: 'k-1' })
    const outcomes = await store.append(batch.map(item))
    // A new event's outcome is a receipt's shape, from a run and from a lone insert (decision 2095).
    assert.deepEqual(outcomes[0], { id: batch[0]!.id, seq: 1 })
    assert.deepEqual(outcomes[10], { id: keyed.id, seq: 11 })
    assert.deepEqual(outcomes[25], { id: keyed.id, seq: 11, duplicate: true })
    assert.equal(outcomes[26]!.seq, 26)
    assert.equal(rows(store).length, RUN - 1)
  })

  test('when another process committed first, the stored JSON still carries the seq the event got', async (t) => {
    const dir = makeTempDir()
    t.after(() => dir.remove())
    const path = join(dir.path, 'events.sqlite')
    const mine = open(t, path)
    const other = open(t, path)
    await mine.append([item(note(0, { sessionId: 's' }))])
    // Serialised with the seqs mine expects (2, 3, ...; session seq 2, ...), then committed after other's.
    const pending = mine.append(
      Array.from({ length: RUN }, (_, n) => item(note(n + 1, { sessionId: n % 2 === 0 ? 's' : 't' }))),
    )
    const before = other.append([item(note(-1, { sessionId: 's' })), item(note(-2))])
    other.flush()
    await before
    mine.flush()
    const outcomes = await pending
    assert.equal(outcomes[0]!.seq, 4)
    assert.equal(outcomes[0]!.sessionSeq, 3)
    const log = rows(mine)
    assert.deepEqual(
      log.map((row) => row.seq),
      Array.from({ length: RUN + 3 }, (_, index) => index + 1),
    )
    assert.deepEqual(
      log.filter((row) => row.session_id === 's').map((row) => row.session_seq),
      Array.from({ length: RUN / 2 + 2 }, (_, index) => index + 1),
    )
  })
})
