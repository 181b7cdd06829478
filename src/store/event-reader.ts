import {
  compileTypePattern,
  type LogReader,
  pagedIterable,
  type ReadQuery,
  type TopicStat,
} from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'
import type { SqliteDatabase } from './open-database.ts'
import { makeRecord, type RecentEvents } from './recent-events.ts'
import { storeError } from './store-errors.ts'

const PAGE = 1000

type Row = [number, string, string | null, string]

/** Reads the log: for consumers (LogReader), for replay (paged) and for topic counts. */
export function createEventReader(db: SqliteDatabase, recent: RecentEvents, file: string) {
  const s = {
    after: db
      .prepare('SELECT seq, type, session_id, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
      .raw(),
    one: db.prepare('SELECT seq, type, session_id, body FROM events WHERE seq = ?').raw(),
    head: db.prepare('SELECT last_seq FROM log_head WHERE id = 1').pluck(),
    atTime: db.prepare('SELECT min(seq) FROM events WHERE ts_ms >= ?').pluck(),
    topics: db
      .prepare(
        "SELECT t.type, t.n, t.last, e.body ->> '$.ts' FROM (SELECT type, count(*) AS n, max(seq) AS last FROM events GROUP BY type) t " +
          'JOIN events e ON e.seq = t.last ORDER BY t.type',
      )
      .raw(),
  }

  function guarded<T>(action: string, run: () => T): T {
    try {
      return run()
    } catch (error) {
      throw storeError(error, file, action)
    }
  }

  const reader: LogReader = {
    readAfter(afterSeq, limit) {
      const cached = recent.after(afterSeq, limit)
      if (cached !== undefined) return cached
      return guarded('reading events', () =>
        (s.after.all(afterSeq, limit) as Row[]).map(([seq, type, session, body]) =>
          makeRecord(seq, type, session, body),
        ),
      )
    },
    readSeq(seq) {
      const row = guarded('reading an event', () => s.one.get(seq) as Row | undefined)
      return row === undefined ? undefined : makeRecord(row[0], row[1], row[2], row[3])
    },
    lastSeq: () => guarded('reading the log head', () => s.head.get() as number),
    firstSeqAtOrAfter(timeMs) {
      return guarded('finding a time in the log', () => {
        const found = s.atTime.get(timeMs) as number | null
        return found ?? (s.head.get() as number) + 1
      })
    },
  }

  function pageStatement(query: ReadQuery) {
    const where = ['seq > ?']
    if (query.toSeq !== undefined) where.push('seq <= ?')
    if (query.fromTime !== undefined) where.push('ts_ms >= ?')
    if (query.toTime !== undefined) where.push('ts_ms <= ?')
    const exact = query.filter !== undefined && !/[*>]/.test(query.filter)
    if (exact) where.push('type = ?')
    const statement = db
      .prepare(`SELECT seq, type, body FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${PAGE}`)
      .raw()
    const fixed: unknown[] = []
    if (query.toSeq !== undefined) fixed.push(query.toSeq)
    if (query.fromTime !== undefined) fixed.push(query.fromTime)
    if (query.toTime !== undefined) fixed.push(query.toTime)
    if (exact) fixed.push(query.filter)
    return { statement, fixed }
  }

  /** Replays in seq order, a page at a time, so memory stays flat however long the log. */
  function read(query: ReadQuery): AsyncIterable<Envelope> {
    const matches = compileTypePattern(query.filter ?? '>')
    const { statement, fixed } = guarded('preparing a replay', () => pageStatement(query))
    let after = Math.max(0, (query.fromSeq ?? 1) - 1)
    let remaining = query.limit ?? Number.POSITIVE_INFINITY
    let exhausted = false
    return pagedIterable(() => {
      const page: Envelope[] = []
      // Loops past pages the filter emptied, so an empty page means the end.
      while (page.length === 0 && !exhausted && remaining > 0) {
        const rows = guarded(
          'replaying events',
          () => statement.all(after, ...fixed) as [number, string, string][],
        )
        if (rows.length < PAGE) exhausted = true
        for (const [seq, type, body] of rows) {
          after = seq
          if (!matches(type)) continue
          page.push(JSON.parse(body) as Envelope)
          if (--remaining <= 0) break
        }
      }
      return page
    })
  }

  function topics(): TopicStat[] {
    return guarded('counting topics', () =>
      (s.topics.all() as [string, number, number, string][]).map(([type, count, lastSeq, lastTs]) => ({
        type,
        count,
        lastSeq,
        lastTs,
      })),
    )
  }

  return { reader, read, topics }
}
