import type { ReadQuery } from '../bus/index.ts'
import type { SqliteDatabase } from './open-database.ts'

// Turns a replay query into index reads (decision 1610). One "driver" index chooses the rows, in
// this order of preference: trace, session, exact type, source, the few types a pattern matches,
// the time index (which bounds a seq range), else the seq order itself. Every other condition is
// checked on the driver's rows, so a query costs about what its driver matches, not the log.

/** Most concrete types a pattern may expand to before the replay reads the log in seq order instead. */
export const MAX_MERGED_TYPES = 64
/** Distinct types looked at while expanding a pattern. */
const MAX_TYPES_LISTED = 2000

export type Row = [seq: number, type: string, body: string, cursor: number, sessionId: string | null]

/**
 * Gives a prepared statement for SQL text, in raw (rows as arrays) or pluck (first column) mode.
 * The reader passes a cache, so a query prepares nothing after the first of its shape (decision 1621).
 */
export type PrepareStatement = (
  sql: string,
  mode: 'raw' | 'pluck',
) => {
  get(...parameters: unknown[]): unknown
  all(...parameters: unknown[]): unknown[]
}

const prepareUncached =
  (db: SqliteDatabase): PrepareStatement =>
  (sql, mode) =>
    mode === 'raw' ? db.prepare(sql).raw() : db.prepare(sql).pluck()

/** One index read: rows in seq order, fetched a page at a time after a cursor. */
export interface StreamPlan {
  /** SELECT seq, type, body, <cursor>, session_id … WHERE … AND <cursor> > ? ORDER BY <cursor> LIMIT ? */
  sql: string
  /** Bound before the cursor and the page size. */
  params: unknown[]
  /** The cursor's first value (exclusive). */
  start: number
}

export interface ReadPlan {
  streams: StreamPlan[]
  /** The type filter still to check on each row (a pattern no stream applied), if any. */
  typePattern?: string
  /** Statements run once to plan (for EXPLAIN QUERY PLAN in tests): the pattern's types, the time bounds. */
  lookups: { sql: string; params: unknown[] }[]
}

const isPattern = (filter: string | undefined): boolean =>
  filter !== undefined && /(^|\.)[*>]($|\.)/.test(filter)

/** The literal tokens before the first wildcard, with their dot (`ui.>` → `ui.`). */
function literalPrefix(pattern: string): string {
  const tokens = pattern.split('.')
  const literal: string[] = []
  for (const token of tokens) {
    if (token === '*' || token === '>') break
    literal.push(token)
  }
  return literal.length === 0 ? '' : `${literal.join('.')}.`
}

const NEXT_TYPE_SQL = 'SELECT type FROM events INDEXED BY events_by_type WHERE type > ? ORDER BY type LIMIT 1'

/** The stored types a pattern matches, found by hopping along the type index; undefined when too many. */
function typesMatching(
  prepare: PrepareStatement,
  pattern: string,
  matches: (type: string) => boolean,
): string[] | undefined {
  const prefix = literalPrefix(pattern)
  const next = prepare(NEXT_TYPE_SQL, 'pluck')
  const found: string[] = []
  let after = prefix
  for (let looked = 0; looked < MAX_TYPES_LISTED; looked++) {
    const type = next.get(after) as string | undefined
    if (type === undefined || !type.startsWith(prefix)) return found
    if (matches(type)) {
      found.push(type)
      if (found.length > MAX_MERGED_TYPES) return undefined
    }
    after = type
  }
  return undefined
}

/** Time ranges with at most this many events are turned into exact seq bounds for any driver. */
export const DEFAULT_MAX_TIME_BOUND_EVENTS = 10_000
/** Planner settings; tests lower the bound to reach the wide-range path on a small log. */
export const queryTuning = { maxTimeBoundEvents: DEFAULT_MAX_TIME_BOUND_EVENTS }

const TIME_BOUNDS_SQL =
  'SELECT min(seq), max(seq), count(*) FROM (SELECT seq FROM events INDEXED BY events_by_time WHERE ts_ms >= ? AND ts_ms <= ? LIMIT ?)'

/**
 * The seq range holding every event of the time range, from the time index; undefined when the
 * range holds more than `cap` events (then it is cheaper to let another index drive).
 */
function timeBounds(
  prepare: PrepareStatement,
  query: ReadQuery,
  cap: number,
  lookups: ReadPlan['lookups'],
): { low: number; high: number } | 'empty' | undefined {
  if (query.fromTime === undefined && query.toTime === undefined) return undefined
  const params = [query.fromTime ?? Number.MIN_SAFE_INTEGER, query.toTime ?? Number.MAX_SAFE_INTEGER, cap + 1]
  lookups.push({ sql: TIME_BOUNDS_SQL, params })
  const [low, high, found] = prepare(TIME_BOUNDS_SQL, 'raw').get(...params) as [
    number | null,
    number | null,
    number,
  ]
  if (found > cap) return undefined
  if (low === null || high === null) return 'empty'
  return { low, high }
}

interface Residual {
  where: string[]
  params: unknown[]
}

/** Conditions every stream checks, except the one its driver already is. */
function residual(query: ReadQuery, except: 'trace' | 'session' | 'type' | 'source' | 'none'): Residual {
  const where: string[] = []
  const params: unknown[] = []
  const add = (condition: string, ...values: unknown[]) => {
    where.push(condition)
    params.push(...values)
  }
  if (query.toSeq !== undefined) add('seq <= ?', query.toSeq)
  if (query.fromTime !== undefined) add('ts_ms >= ?', query.fromTime)
  if (query.toTime !== undefined) add('ts_ms <= ?', query.toTime)
  if (query.traceId !== undefined && except !== 'trace')
    add('(trace_id = ? OR (id = ? AND trace_id IS NULL))', query.traceId, query.traceId)
  if (query.sessionId !== undefined && except !== 'session') add('session_id = ?', query.sessionId)
  if (query.source !== undefined && except !== 'source') add('source = ?', query.source)
  if (query.filter !== undefined && !isPattern(query.filter) && except !== 'type')
    add('type = ?', query.filter)
  return { where, params }
}

function stream(
  from: string,
  driver: string,
  driverParams: unknown[],
  rest: Residual,
  cursor: 'seq' | 'session_seq',
  start: number,
): StreamPlan {
  const where = [driver, ...rest.where, `${cursor} > ?`].join(' AND ')
  return {
    sql: `SELECT seq, type, body, ${cursor}, session_id FROM events ${from} WHERE ${where} ORDER BY ${cursor} LIMIT ?`,
    params: [...driverParams, ...rest.params],
    start,
  }
}

/** Chooses the driver index and the streams for a replay query. */
export function planRead(
  db: SqliteDatabase,
  original: ReadQuery,
  matches: (type: string) => boolean,
  prepare: PrepareStatement = prepareUncached(db),
): ReadPlan {
  const lookups: ReadPlan['lookups'] = []
  let query = original
  let bounded = false
  // A narrow time range becomes a seq range first, so a type or source index starts there.
  if (query.traceId === undefined && query.sessionId === undefined) {
    const bounds = timeBounds(prepare, query, queryTuning.maxTimeBoundEvents, lookups)
    if (bounds === 'empty') return { streams: [], lookups }
    bounded = bounds !== undefined
    if (bounds !== undefined)
      query = {
        ...query,
        fromSeq: Math.max(query.fromSeq ?? 1, bounds.low),
        toSeq: Math.min(query.toSeq ?? Number.MAX_SAFE_INTEGER, bounds.high),
      }
  }
  const afterSeq = Math.max(0, (query.fromSeq ?? 1) - 1)
  const pattern = isPattern(query.filter) && query.filter !== '>' ? query.filter : undefined
  const keepPattern = pattern === undefined ? {} : { typePattern: pattern }
  if (query.traceId !== undefined) {
    const rest = residual(query, 'trace')
    return {
      streams: [
        stream('INDEXED BY events_by_trace', 'trace_id = ?', [query.traceId], rest, 'seq', afterSeq),
        stream(
          'INDEXED BY events_by_id',
          'id = ? AND trace_id IS NULL',
          [query.traceId],
          rest,
          'seq',
          afterSeq,
        ),
      ],
      lookups,
      ...keepPattern,
    }
  }
  if (query.sessionId !== undefined) {
    // Within a session, session_seq grows with seq (both come from the writer, under the lock),
    // so the (session_id, session_seq) index yields the session's rows in seq order.
    const rest = residual(query, 'session')
    rest.where.push('seq > ?')
    rest.params.push(afterSeq)
    return {
      streams: [
        stream('INDEXED BY events_by_session', 'session_id = ?', [query.sessionId], rest, 'session_seq', 0),
      ],
      lookups,
      ...keepPattern,
    }
  }
  if (query.filter !== undefined && !isPattern(query.filter)) {
    const rest = residual(query, 'type')
    return {
      streams: [stream('INDEXED BY events_by_type', 'type = ?', [query.filter], rest, 'seq', afterSeq)],
      lookups,
    }
  }
  if (query.source !== undefined) {
    const rest = residual(query, 'source')
    return {
      streams: [stream('INDEXED BY events_by_source', 'source = ?', [query.source], rest, 'seq', afterSeq)],
      lookups,
      ...keepPattern,
    }
  }
  if (pattern !== undefined) {
    lookups.push({ sql: NEXT_TYPE_SQL, params: [literalPrefix(pattern)] })
    const types = typesMatching(prepare, pattern, matches)
    if (types !== undefined) {
      const rest = residual(query, 'type')
      return {
        streams: types.map((type) =>
          stream('INDEXED BY events_by_type', 'type = ?', [type], rest, 'seq', afterSeq),
        ),
        lookups,
      }
    }
  }
  const rest = residual(query, 'none')
  let start = afterSeq
  if ((query.fromTime !== undefined || query.toTime !== undefined) && !bounded) {
    // A wide range (no bounds yet): the time index still bounds the seq range holding every
    // match; ts mostly follows seq, so the range is about the matches (ts_ms is checked per row).
    const bounds = timeBounds(prepare, query, Number.MAX_SAFE_INTEGER - 1, lookups)
    if (bounds === 'empty') return { streams: [], lookups }
    if (bounds !== undefined) {
      start = Math.max(start, bounds.low - 1)
      rest.where.push('seq <= ?')
      rest.params.push(bounds.high)
    }
  }
  return { streams: [stream('NOT INDEXED', '1', [], rest, 'seq', start)], lookups, ...keepPattern }
}
