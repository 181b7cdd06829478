import {
  compileTypePattern,
  type LogReader,
  pagedIterable,
  type ReadQuery,
  type TopicStat,
} from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'
import { planRead, type Row } from './event-query.ts'
import type { SqliteDatabase } from './open-database.ts'
import { makeRecord, type RecentEvents } from './recent-events.ts'
import { storeError } from './store-errors.ts'

const PAGE = 1000
/** Rows fetched per index when several are merged. */
const MERGED_PAGE = 256
const MAX_CACHED_STATEMENTS = 256

type RecordRow = [number, string, string | null, string]

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
        (s.after.all(afterSeq, limit) as RecordRow[]).map(([seq, type, session, body]) =>
          makeRecord(seq, type, session, body),
        ),
      )
    },
    readSeq(seq) {
      const row = guarded('reading an event', () => s.one.get(seq) as RecordRow | undefined)
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

  interface RawStatement {
    all(...parameters: unknown[]): unknown[]
  }
  const statements = new Map<string, RawStatement>()
  function prepared(sql: string) {
    let statement = statements.get(sql)
    if (statement === undefined) {
      if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear()
      statement = db.prepare(sql).raw() as RawStatement
      statements.set(sql, statement)
    }
    return statement
  }

  /**
   * Replays in seq order, a page at a time, so memory stays flat however long the log; the rows
   * come from the index that planRead chose, merged by seq when it is several (decision 1610).
   */
  function read(query: ReadQuery): AsyncIterable<Envelope> {
    const matches = compileTypePattern(query.filter ?? '>')
    const plan = guarded('planning a replay', () => planRead(db, query, matches))
    const check = plan.typePattern === undefined ? undefined : matches
    const size = plan.streams.length > 1 ? MERGED_PAGE : PAGE
    const streams = plan.streams.map((spec) => ({
      statement: guarded('preparing a replay', () => prepared(spec.sql)),
      params: spec.params,
      cursor: spec.start,
      rows: [] as Row[],
      index: 0,
      exhausted: false,
    }))
    let remaining = query.limit ?? Number.POSITIVE_INFINITY
    const head = (stream: (typeof streams)[number]): Row | undefined => {
      if (stream.index >= stream.rows.length && !stream.exhausted) {
        stream.rows = guarded(
          'replaying events',
          () => stream.statement.all(...stream.params, stream.cursor, size) as Row[],
        )
        stream.index = 0
        if (stream.rows.length < size) stream.exhausted = true
        if (stream.rows.length > 0) stream.cursor = stream.rows[stream.rows.length - 1]![3]
      }
      return stream.rows[stream.index]
    }
    return pagedIterable(() => {
      const page: Envelope[] = []
      while (page.length < PAGE && remaining > 0) {
        let best: (typeof streams)[number] | undefined
        let bestSeq = Number.POSITIVE_INFINITY
        for (const stream of streams) {
          const row = head(stream)
          if (row !== undefined && row[0] < bestSeq) {
            best = stream
            bestSeq = row[0]
          }
        }
        if (best === undefined) break
        const [, type, body] = best.rows[best.index++]!
        if (check !== undefined && !check(type)) continue
        page.push(JSON.parse(body) as Envelope)
        remaining--
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
