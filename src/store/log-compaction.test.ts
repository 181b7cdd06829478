import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import type { Envelope } from '../contracts/index.ts'
import { openEventStore } from './event-store.ts'
import {
  AGE_CANDIDATES_SQL,
  COUNT_CANDIDATES_SQL,
  COUNT_CUT_SQL,
  compactLog,
  SIZE_CANDIDATES_SQL,
} from './log-compaction.ts'

const BASE_MS = Date.parse('2026-03-01T00:00:00Z')

/** Events two by two on the same millisecond, so the age cursor meets ties in ts. */
function eventAt(index: number): Envelope {
  const id = `e-${String(index).padStart(6, '0')}`
  return {
    id,
    type: index % 3 === 0 ? 'chat.query' : 'chat.reply',
    version: 1,
    ts: new Date(BASE_MS + Math.floor(index / 2)).toISOString(),
    source: 'kernel',
    severity: 'info',
    traceId: index % 10 === 0 ? id : `e-${String(index - (index % 10)).padStart(6, '0')}`,
    tenant: 'default',
    payload: { n: index },
  }
}

async function filledStore(t: { after(fn: () => unknown): void }, count: number) {
  const dir = makeTempDir('localhub-compaction-')
  t.after(() => dir.remove())
  const store = openEventStore({ path: join(dir.path, 'events.sqlite'), dedupeWindowMs: 1 })
  t.after(() => store.close())
  const items = Array.from({ length: count }, (_, index) => {
    const envelope = eventAt(index)
    return { envelope, dedupeKeys: [], timeMs: Date.parse(envelope.ts) }
  })
  await store.append(items)
  return store
}

test('retention statements seek their index: no scan, no OR of indexes, no sort (EXPLAIN QUERY PLAN)', async (t) => {
  const store = await filledStore(t, 200)
  store.db.exec('CREATE TEMP TABLE IF NOT EXISTS keep_traces (trace_id TEXT PRIMARY KEY) WITHOUT ROWID')
  const statements: [string, unknown[]][] = [
    [AGE_CANDIDATES_SQL, [BASE_MS + 50, BASE_MS + 10, 20, 500]],
    [COUNT_CUT_SQL, ['chat.query', 10]],
    [COUNT_CANDIDATES_SQL, ['chat.query', 0, 100, 500]],
    [SIZE_CANDIDATES_SQL, [0, 500]],
  ]
  for (const [sql, params] of statements) {
    const details = (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
      .map((row) => row.detail)
      .join(' | ')
    assert.doesNotMatch(details, /SCAN events\b(?! USING)/, `${sql} → ${details}`)
    assert.doesNotMatch(details, /MULTI-INDEX OR/, `${sql} → ${details}`)
    assert.doesNotMatch(details, /TEMP B-TREE/, `${sql} → ${details}`)
  }
})

test('age retention walks ties in ts by seq: deletes exactly the expired events, keeps referenced traces', async (t) => {
  const store = await filledStore(t, 2000)
  const cutoff = BASE_MS + 600 // events 0..1199 are older
  const kept = 'e-000100' // the trace of events 100..109
  const report = await compactLog(
    store.db,
    { maxAgeMs: 1000 },
    { now: cutoff + 1000, dedupeWindowMs: 1, keepTraceIds: [kept], batchEvents: 7, pause: async () => {} },
  )
  const left = store.db.prepare('SELECT id FROM events ORDER BY seq').pluck().all() as string[]
  const expected = Array.from({ length: 2000 }, (_, index) => eventAt(index))
    .filter((event) => Date.parse(event.ts) >= cutoff || event.traceId === kept)
    .map((event) => event.id)
  assert.deepEqual(left, expected)
  assert.equal(report.deleted, 1200 - 10)
  assert.equal(report.kept, 10)
})
