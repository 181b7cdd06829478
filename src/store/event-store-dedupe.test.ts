import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { collect } from '../../test/kit/wait-for.ts'
import { dedupeKeysOf, uuidV7 } from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'
import { openEventStore } from './event-store.ts'

function note(n: number, id = uuidV7()): Envelope {
  return {
    id,
    type: 'note.added',
    version: 1,
    ts: '2030-01-01T00:00:00.000Z',
    source: 'test',
    severity: 'info',
    traceId: 't',
    tenant: 'default',
    payload: { n },
  }
}

function item(envelope: Envelope) {
  return { envelope, dedupeKeys: dedupeKeysOf(envelope) }
}

describe('SQLite event store: id dedupe through the UNIQUE index (decision 0620)', () => {
  test('an id is a duplicate inside one batch and across batches; no dedupe row is written for it', async (t) => {
    const dir = makeTempDir()
    t.after(() => dir.remove())
    const store = openEventStore({ path: join(dir.path, 'events.sqlite'), dedupeWindowMs: 60_000 })
    t.after(() => store.close())
    const first = note(1)
    const outcomes = await store.append([item(first), item(note(2)), item({ ...first, payload: { n: 3 } })])
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.seq, outcome.duplicate === true]),
      [
        [1, false],
        [2, false],
        [1, true],
      ],
    )
    const [again] = await store.append([item(first)])
    assert.deepEqual(again, { id: first.id, seq: 1, duplicate: true })
    const [next] = await store.append([item(note(4))])
    assert.equal(next!.seq, 3, 'a duplicate takes no seq')
    const rows = store.db.prepare('SELECT count(*) FROM dedupe').pluck().get()
    assert.equal(rows, 0)
  })

  test('an event deleted by retention inside its window still dedupes by id; after the window it does not', async (t) => {
    const dir = makeTempDir()
    t.after(() => dir.remove())
    let now = 1_000_000
    const store = openEventStore({
      path: join(dir.path, 'events.sqlite'),
      dedupeWindowMs: 10_000,
      now: () => now,
      retention: { types: { 'note.added': { maxCount: 1 } } },
    })
    t.after(() => store.close())
    const old = note(1)
    await store.append([item(old), item(note(2))])
    assert.equal(store.enforceRetention().deleted, 1)
    assert.deepEqual(
      (await collect(store.read({}))).map((event) => event.payload.n),
      [2],
    )
    const [held] = await store.append([item(old)])
    assert.deepEqual(held, { id: old.id, seq: 1, duplicate: true })
    now += 10_001
    const [fresh] = await store.append([item(old)])
    // Stored anew: no duplicate flag (a new event's outcome is a receipt's shape, decision 2095).
    assert.equal(fresh!.duplicate, undefined)
    assert.equal(fresh!.seq, 3)
  })

  test('a version-1 log is migrated: redundant id rows go, ids of deleted events are still honoured', async (t) => {
    const dir = makeTempDir()
    t.after(() => dir.remove())
    const path = join(dir.path, 'events.sqlite')
    const now = 5_000_000
    const kept = note(1)
    const deleted = note(2)
    const created = openEventStore({ path, dedupeWindowMs: 60_000, now: () => now })
    await created.append([item(kept)])
    await created.close()
    // Make it look like version 1: a dedupe row per id, one of them for an event no longer in the log.
    const raw = new Database(path)
    raw.exec('DROP INDEX events_by_id')
    raw.prepare("UPDATE store_meta SET value = '1' WHERE key = 'schema_version'").run()
    const put = raw.prepare(
      'INSERT INTO dedupe (key, id, seq, session_seq, expires_ms) VALUES (?, ?, ?, NULL, ?)',
    )
    put.run(`id:${kept.id}`, kept.id, 1, now + 60_000)
    put.run(`id:${deleted.id}`, deleted.id, 7, now + 60_000)
    raw.close()
    const store = openEventStore({ path, dedupeWindowMs: 60_000, now: () => now })
    t.after(() => store.close())
    const keys = store.db.prepare('SELECT key FROM dedupe').pluck().all()
    assert.deepEqual(keys, [`id:${deleted.id}`])
    const [a, b] = await store.append([item(kept), item(deleted)])
    assert.deepEqual(a, { id: kept.id, seq: 1, duplicate: true })
    assert.deepEqual(b, { id: deleted.id, seq: 7, duplicate: true })
  })
})
