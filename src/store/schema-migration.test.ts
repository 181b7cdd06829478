import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { collect } from '../../test/kit/wait-for.ts'
import { openEventStore } from './event-store.ts'
import { vacuumLog } from './log-vacuum.ts'

// The events table as schema version 2 wrote it (no trace_id, no source).
const VERSION_2_SQL = `
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE log_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, session_id TEXT, session_seq INTEGER,
  ts_ms INTEGER, committed_ms INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE UNIQUE INDEX events_by_id ON events (id);
CREATE INDEX events_by_session ON events (session_id, session_seq) WHERE session_id IS NOT NULL;
INSERT INTO store_meta VALUES ('schema_version', '2');
`

test('a version-2 log opens, gains the query columns from its bodies, and answers trace and source queries', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const path = join(dir.path, 'events.sqlite')
  const old = new Database(path)
  old.pragma('journal_mode = WAL')
  old.exec(VERSION_2_SQL)
  const insert = old.prepare('INSERT INTO events VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)')
  const ts = '2026-01-01T00:00:00.000Z'
  const rows = [
    { seq: 1, id: 'a', type: 'chat.query', traceId: 'a', source: 'kernel' },
    { seq: 2, id: 'b', type: 'chat.reply', traceId: 'a', source: 'skill.chat' },
    { seq: 3, id: 'c', type: 'chat.query', traceId: 'c', source: 'kernel' },
  ]
  for (const row of rows) {
    const body = {
      id: row.id,
      type: row.type,
      version: 1,
      ts,
      source: row.source,
      severity: 'info',
      traceId: row.traceId,
      tenant: 'default',
      seq: row.seq,
      payload: {},
    }
    insert.run(row.seq, row.id, row.type, Date.parse(ts), Date.parse(ts), JSON.stringify(body))
  }
  old.exec('INSERT INTO log_head VALUES (1, 3)')
  old.close()

  const store = openEventStore({ path, dedupeWindowMs: 1000 })
  assert.equal(
    store.db.prepare("SELECT value FROM store_meta WHERE key = 'schema_version'").pluck().get(),
    '3',
  )
  assert.deepEqual(store.db.prepare('SELECT seq, trace_id, source FROM events ORDER BY seq').raw().all(), [
    [1, null, 'kernel'],
    [2, 'a', 'skill.chat'],
    [3, null, 'kernel'],
  ])
  const trace = await collect(store.read({ traceId: 'a' }))
  assert.deepEqual(
    trace.map((event) => event.id),
    ['a', 'b'],
  )
  const kernel = await collect(store.read({ source: 'kernel' }))
  assert.deepEqual(
    kernel.map((event) => event.id),
    ['a', 'c'],
  )
  const indexes = store.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
    .pluck()
    .all()
  for (const name of ['events_by_type', 'events_by_trace', 'events_by_source', 'events_by_time'])
    assert.ok(indexes.includes(name), name)
  assert.equal(store.db.pragma('auto_vacuum', { simple: true }), 0, 'an older log keeps its vacuum mode')
  await store.close()
  const vacuumed = vacuumLog(path)
  assert.equal(vacuumed.autoVacuum, 2, 'events compact --full switches it to incremental')
  const reopened = openEventStore({ path, dedupeWindowMs: 1000 })
  t.after(() => reopened.close())
  assert.equal((await collect(reopened.read({}))).length, 3)
})
