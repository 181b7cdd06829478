import {
  compileTypePattern,
  type LogReader,
  pagedIterable,
  type ReadQuery,
  rememberStoredJson,
  type StoredEventJson,
  type StoredRecord,
  type TopicStat,
} from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'
import { type PrepareStatement, planRead, type Row } from './event-query.ts'
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

  // Every statement a replay runs (its streams and the planner's lookups) is prepared once per
  // shape: preparing costs about as much as a small query (decision 1621).
  const statements = new Map<string, ReturnType<PrepareStatement>>()
  const prepared: PrepareStatement = (sql, mode) => {
    const key = `${mode}:${sql}`
    let statement = statements.get(key)
    if (statement === undefined) {
      // The oldest shape goes first (a Map keeps insertion order).
      if (statements.size >= MAX_CACHED_STATEMENTS) statements.delete(statements.keys().next().value!)
      statement = mode === 'raw' ? db.prepare(sql).raw() : db.prepare(sql).pluck()
      statements.set(key, statement)
    }
    return statement
  }

  /**
   * The rows a query selects, in seq order, one at a time (synchronously): from the index that
   * planRead chose, merged by seq when it is several (decision 1610).
   */
  function openRows(
    query: ReadQuery,
    matches: (type: string) => boolean,
    wanted = Number.POSITIVE_INFINITY,
  ): () => Row | undefined {
    const plan = guarded('planning a replay', () => planRead(db, query, matches, prepared))
    const check = plan.typePattern === undefined ? undefined : matches
    // No stream is read further than the rows wanted (+1 so a full page is not taken for the end),
    // unless rows are still checked against a pattern: a limit of 10 reads 11 rows, not 1000.
    const cap = check === undefined ? wanted + 1 : Number.POSITIVE_INFINITY
    const size = Math.min(plan.streams.length > 1 ? MERGED_PAGE : PAGE, cap)
    const streams = plan.streams.map((spec) => ({
      statement: guarded('preparing a replay', () => prepared(spec.sql, 'raw')),
      params: spec.params,
      cursor: spec.start,
      rows: [] as Row[],
      index: 0,
      exhausted: false,
    }))
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
    return () => {
      for (;;) {
        let best: (typeof streams)[number] | undefined
        let bestSeq = Number.POSITIVE_INFINITY
        for (const stream of streams) {
          const row = head(stream)
          if (row !== undefined && row[0] < bestSeq) {
            best = stream
            bestSeq = row[0]
          }
        }
        if (best === undefined) return undefined
        const row = best.rows[best.index++]!
        if (check === undefined || check(row[1])) return row
      }
    }
  }

  /** Replays in seq order, a page at a time, so memory stays flat however long the log. */
  function read(query: ReadQuery): AsyncIterable<Envelope> {
    let remaining = query.limit ?? Number.POSITIVE_INFINITY
    const next = openRows(query, compileTypePattern(query.filter ?? '>'), remaining)
    const keepText = query.keepStoredJson === true
    return pagedIterable(() => {
      const page: Envelope[] = []
      while (page.length < PAGE && remaining > 0) {
        const row = next()
        if (row === undefined) break
        const envelope = JSON.parse(row[2]) as Envelope
        // A forwarding reader sends this text instead of serialising the envelope (decision 1793).
        if (keepText) rememberStoredJson(envelope, row[2])
        page.push(envelope)
        remaining--
      }
      return page
    })
  }

  /** The same rows as `read`, as their stored JSON text: for readers that only pass events on (decision 1732). */
  function readJson(query: ReadQuery): AsyncIterable<StoredEventJson> {
    let remaining = query.limit ?? Number.POSITIVE_INFINITY
    const next = openRows(query, compileTypePattern(query.filter ?? '>'), remaining)
    return pagedIterable(() => {
      const page: StoredEventJson[] = []
      while (page.length < PAGE && remaining > 0) {
        const row = next()
        if (row === undefined) break
        page.push({ seq: row[0], type: row[1], json: row[2] })
        remaining--
      }
      return page
    })
  }

  const matchers = new Map<string, (type: string) => boolean>()
  const matcherFor = (filter: string) => {
    let matches = matchers.get(filter)
    if (matches === undefined) {
      matches = compileTypePattern(filter)
      matchers.set(filter, matches)
    }
    return matches
  }

  /**
   * A consumer's next records: only those its filter matches, read through the type index when it
   * has to go to the database, so a consumer of a few types does not read every body of the log
   * (decision 1624). `through` is the last seq looked at: the log head when fewer came than asked.
   */
  reader.readMatching = (afterSeq, limit, filter) => {
    if (filter === '>') {
      // Everything matches: the plain seq read, no planning.
      const records = reader.readAfter(afterSeq, limit)
      return { records, through: records.at(-1)?.seq ?? afterSeq }
    }
    const matches = matcherFor(filter)
    const cached = recent.matching(afterSeq, limit, matches)
    if (cached !== undefined) return cached
    return guarded('reading events', () =>
      // One read transaction: the head and the rows come from the same snapshot.
      db.transaction(() => {
        const last = s.head.get() as number
        const next = openRows({ filter, fromSeq: afterSeq + 1, toSeq: last }, matches, limit)
        const records: StoredRecord[] = []
        while (records.length < limit) {
          const row = next()
          if (row === undefined) break
          records.push(makeRecord(row[0], row[1], row[4], row[2]))
        }
        const through = records.length < limit ? last : records[records.length - 1]!.seq
        return { records, through }
      })(),
    )
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

  return { reader, read, readJson, topics }
}
