// A consumer's reads go through the type index (decision 1624): readMatching returns only what
// the filter matches, in seq order, and how far it looked; the same from the database and from
// the recent-events cache.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { compileTypePattern, type LogReader } from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'
import { openEventStore } from './event-store.ts'

const TYPES = ['chat.query', 'chat.reply', 'ui.click', 'ui.panel.open', 'voice.chunk']

async function filled(t: { after(fn: () => unknown): void }, recentEvents: number) {
  const dir = makeTempDir('localhub-consumer-reads-')
  t.after(() => dir.remove())
  const store = openEventStore({ path: join(dir.path, 'events.sqlite'), dedupeWindowMs: 1, recentEvents })
  t.after(() => store.close())
  const items = Array.from({ length: 3000 }, (_, n) => {
    const envelope: Envelope = {
      id: `e-${n}`,
      // Irregular: runs of one type, so a page of matches spans many other events.
      type: TYPES[Math.floor(n / 7 + n / 13) % TYPES.length]!,
      version: 1,
      ts: new Date(1_700_000_000_000 + n).toISOString(),
      source: 'kernel',
      severity: 'info',
      traceId: `e-${n}`,
      ...(n % 3 === 0 ? { sessionId: `s${n % 4}` } : {}),
      tenant: 'default',
      payload: { n },
    }
    return { envelope, dedupeKeys: [], timeMs: 1_700_000_000_000 + n }
  })
  await store.append(items)
  return store
}

/** Everything a consumer of `filter` would see, page by page, as the engine reads it. */
function consume(reader: LogReader, filter: string, page: number) {
  const seen: { seq: number; sessionId: string | undefined }[] = []
  let cursor = 0
  for (;;) {
    const { records, through } = reader.readMatching!(cursor, page, filter)
    assert.ok(through >= cursor, 'never moves back')
    for (const record of records) {
      assert.ok(record.seq > cursor && record.seq <= through)
      seen.push({ seq: record.seq, sessionId: record.sessionId })
    }
    cursor = through
    if (records.length < page) return { seen, through }
  }
}

for (const recentEvents of [0, 4096]) {
  test(`readMatching equals a full scan per filter (${recentEvents === 0 ? 'database' : 'cache'})`, async (t) => {
    const store = await filled(t, recentEvents)
    const all = store.reader.readAfter(0, 10_000)
    for (const filter of ['chat.reply', 'ui.>', 'chat.*', '>', 'nothing.here']) {
      const matches = compileTypePattern(filter)
      const expected = all
        .filter((record) => matches(record.type))
        .map((record) => ({ seq: record.seq, sessionId: record.sessionId }))
      for (const page of [1, 64, 1000]) {
        const { seen, through } = consume(store.reader, filter, page)
        assert.deepEqual(seen, expected, `${filter}, pages of ${page}`)
        assert.equal(through, 3000, 'a short page says it looked up to the head')
      }
    }
  })
}

test('a consumer woken by a commit reads its records as committed, without decoding them (decision 2074)', async (t) => {
  const store = await filled(t, 4096)
  // The 3000 events went in one commit: more than the 16 kept otherwise, fewer than 1024.
  const first = store.reader.readMatching!(2000, 1000, 'ui.>').records
  const second = store.reader.readMatching!(2000, 1000, 'ui.>').records
  assert.ok(first.length > 100)
  assert.ok(
    first.every((record, index) => record === second[index]),
    'the same record objects on every read',
  )
  // After the next commit they are bytes again, read back as new records with the same text.
  await store.append([
    {
      envelope: {
        id: 'e-next',
        type: 'chat.query',
        version: 1,
        ts: new Date().toISOString(),
        source: 'kernel',
        severity: 'info',
        traceId: 'e-next',
        tenant: 'default',
        payload: {},
      },
      dedupeKeys: [],
    },
  ])
  const third = store.reader.readMatching!(2000, 1000, 'ui.>').records
  assert.deepEqual(
    third.map((record) => record.body),
    first.map((record) => record.body),
  )
  // Only the newest 16 of the log (DEFAULT_RECENT_TEXT_RECORDS) are still the committed objects.
  assert.ok(third.every((record, index) => (record === first[index]) === record.seq > 3001 - 16))
})
