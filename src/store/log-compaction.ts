import type { SqliteDatabase } from './open-database.ts'
import { raiseRetiredIdsUntil } from './schema-migration.ts'

// Retention that runs next to publishers (decision 1611): the events past a limit are deleted a
// small batch per IMMEDIATE transaction, and between batches the event loop is left to others for
// as long as the batch took (publishers' group commits go in between); events whose trace the
// ledger or an open approval names are kept, and freed pages go back to the file system
// (auto_vacuum = INCREMENTAL).

/** Events deleted per transaction: the write lock is held for a few milliseconds. */
export const DEFAULT_COMPACTION_BATCH_EVENTS = 500
/** Free pages handed back to the file system after each batch (auto_vacuum = INCREMENTAL). */
export const DEFAULT_VACUUM_PAGES_PER_BATCH = 256
/** Longest rest between two batches. */
export const DEFAULT_MAX_REST_MS = 50

export interface CompactionLimits {
  /** Events whose ts is older than this go. */
  maxAgeMs?: number
  /** Per event type: the newest this many stay. */
  maxCount?: number
  /** The log's used bytes (pages in use × page size): the oldest events go until it fits. */
  maxBytes?: number
}

export interface CompactionOptions {
  now: number
  /** Ids of events deleted younger than this stay deduped (decision 0620). */
  dedupeWindowMs: number
  /** Traces referenced by the ledger or an open approval: their events are kept. */
  keepTraceIds?: Iterable<string>
  batchEvents?: number
  vacuumPagesPerBatch?: number
  /** Awaited between batches with the last batch's duration; by default the loop rests as long (≤ 50 ms). */
  pause?: (batchMs: number) => Promise<void>
  /** Stops the pass between two batches (the hub closing); what was deleted stays deleted. */
  signal?: AbortSignal
  /** Test seam: called inside a batch's transaction after its delete, before the commit. */
  beforeCommit?: (batch: number) => void
}

export interface CompactionReport {
  deleted: number
  batches: number
  /** Events past a limit that stayed because their trace is referenced. */
  kept: number
  bytesBefore: number
  bytesAfter: number
  reclaimedBytes: number
  durationMs: number
}

/**
 * After a batch that took `ms`, the loop is left to others for as long (capped): retention takes
 * at most about half of the event loop while anything else has work.
 */
const restAfter = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.min(DEFAULT_MAX_REST_MS, Math.max(1, ms))))

/** The file's size in pages, and the pages in use (not on the free list). */
function pages(db: SqliteDatabase): { fileBytes: number; usedBytes: number } {
  const size = db.pragma('page_size', { simple: true }) as number
  const count = db.pragma('page_count', { simple: true }) as number
  const free = db.pragma('freelist_count', { simple: true }) as number
  return { fileBytes: count * size, usedBytes: (count - free) * size }
}

// A candidate row: seq, whether its trace is referenced, and the cursor values after it.
type Candidate = [seq: number, keep: 0 | 1, ts: number | null]

const KEEP =
  'EXISTS (SELECT 1 FROM temp.keep_traces k WHERE k.trace_id = coalesce(events.trace_id, events.id))'

/** Expired candidates after a (ts_ms, seq) cursor: cutoff, cursor ts, cursor seq, limit. */
export const AGE_CANDIDATES_SQL =
  `SELECT seq, ${KEEP}, ts_ms FROM events INDEXED BY events_by_time ` +
  'WHERE ts_ms < ? AND (ts_ms, seq) > (?, ?) ORDER BY ts_ms, seq LIMIT ?'
/** The newest seq of a type past the count limit: type, count. */
export const COUNT_CUT_SQL =
  'SELECT seq FROM events INDEXED BY events_by_type WHERE type = ? ORDER BY seq DESC LIMIT 1 OFFSET ?'
/** A type's candidates up to the cut: type, after seq, through seq, limit. */
export const COUNT_CANDIDATES_SQL = `SELECT seq, ${KEEP}, NULL FROM events INDEXED BY events_by_type WHERE type = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`
/** The oldest events after a seq (the size cap): after seq, limit. */
export const SIZE_CANDIDATES_SQL = `SELECT seq, ${KEEP}, NULL FROM events WHERE seq > ? ORDER BY seq LIMIT ?`

/** Deletes the candidate batches `next` yields, keeping referenced traces; one transaction each. */
async function deleteBatches(
  db: SqliteDatabase,
  options: CompactionOptions,
  report: CompactionReport,
  next: (limit: number) => Candidate[],
  enough: () => boolean = () => false,
  batchLimit: (largest: number) => number = (largest) => largest,
): Promise<void> {
  const largest = options.batchEvents ?? DEFAULT_COMPACTION_BATCH_EVENTS
  const vacuumPages = options.vacuumPagesPerBatch ?? DEFAULT_VACUUM_PAGES_PER_BATCH
  const pause = options.pause ?? restAfter
  const windowMs = options.dedupeWindowMs
  const retire = db.prepare(
    "INSERT OR IGNORE INTO dedupe (key, id, seq, session_seq, expires_ms) SELECT 'id:' || id, id, seq, session_seq, committed_ms + ? " +
      'FROM events WHERE seq IN (SELECT value FROM json_each(?)) AND committed_ms + ? > ?',
  )
  const remove = db.prepare('DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))')
  for (;;) {
    if (options.signal?.aborted === true || enough()) return
    const limit = batchLimit(largest)
    const batchStarted = performance.now()
    let exhausted = false
    const deleted = db
      .transaction(() => {
        const rows = next(limit)
        if (rows.length < limit) exhausted = true
        const doomed: number[] = []
        for (const [seq, keep] of rows) {
          if (keep === 1) report.kept++
          else doomed.push(seq)
        }
        if (doomed.length === 0) return 0
        const list = JSON.stringify(doomed)
        // An event deleted inside its dedupe window leaves its id behind (decision 0620).
        if (retire.run(windowMs, list, windowMs, options.now).changes > 0)
          raiseRetiredIdsUntil(db, options.now + windowMs)
        const changes = remove.run(list).changes
        options.beforeCommit?.(report.batches + 1)
        return changes
      })
      .immediate()
    if (deleted > 0) {
      report.deleted += deleted
      report.batches++
      db.pragma(`incremental_vacuum(${vacuumPages})`)
    }
    if (exhausted) return
    await pause(performance.now() - batchStarted)
  }
}

function loadKeepSet(db: SqliteDatabase, traceIds: Iterable<string> | undefined): void {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS keep_traces (trace_id TEXT PRIMARY KEY) WITHOUT ROWID')
  db.exec('DELETE FROM temp.keep_traces')
  if (traceIds === undefined) return
  const insert = db.prepare('INSERT OR IGNORE INTO temp.keep_traces (trace_id) VALUES (?)')
  db.transaction(() => {
    for (const traceId of traceIds) insert.run(traceId)
  })()
}

function distinctTypes(db: SqliteDatabase): string[] {
  const next = db
    .prepare('SELECT type FROM events INDEXED BY events_by_type WHERE type > ? ORDER BY type LIMIT 1')
    .pluck()
  const types: string[] = []
  for (
    let type = next.get('') as string | undefined;
    type !== undefined;
    type = next.get(type) as string | undefined
  )
    types.push(type)
  return types
}

/**
 * Applies the limits to the log on `db` (a connection of its own, as another process would use):
 * age, then count per type, then size. Resolves with what it did.
 */
export async function compactLog(
  db: SqliteDatabase,
  limits: CompactionLimits,
  options: CompactionOptions,
): Promise<CompactionReport> {
  const started = performance.now()
  const before = pages(db)
  const report: CompactionReport = {
    deleted: 0,
    batches: 0,
    kept: 0,
    bytesBefore: before.fileBytes,
    bytesAfter: before.fileBytes,
    reclaimedBytes: 0,
    durationMs: 0,
  }
  loadKeepSet(db, options.keepTraceIds)
  if (limits.maxAgeMs !== undefined) {
    const cutoff = options.now - limits.maxAgeMs
    // The cursor is one row value: SQLite seeks the time index to it. Written as
    // `ts_ms > ? OR (ts_ms = ? AND seq > ?)` it became a MULTI-INDEX OR plus a sort of every
    // expired row, for each batch of 500 (decision 1620).
    const select = db.prepare(AGE_CANDIDATES_SQL).raw()
    let at: [number, number] = [Number.MIN_SAFE_INTEGER, 0]
    await deleteBatches(db, options, report, (limit) => {
      const rows = select.all(cutoff, at[0], at[1], limit) as Candidate[]
      const last = rows.at(-1)
      if (last !== undefined) at = [last[2]!, last[0]]
      return rows
    })
  }
  if (limits.maxCount !== undefined) {
    const cut = db.prepare(COUNT_CUT_SQL).pluck()
    const select = db.prepare(COUNT_CANDIDATES_SQL).raw()
    for (const type of distinctTypes(db)) {
      const through = cut.get(type, Math.floor(limits.maxCount)) as number | undefined
      if (through === undefined) continue
      let after = 0
      await deleteBatches(db, options, report, (limit) => {
        const rows = select.all(type, after, through, limit) as Candidate[]
        after = rows.at(-1)?.[0] ?? after
        return rows
      })
    }
  }
  if (limits.maxBytes !== undefined) {
    const maxBytes = limits.maxBytes
    // Batches sized to the overshoot (at the average bytes per event), so the cap is met closely.
    const events =
      pages(db).usedBytes > maxBytes ? (db.prepare('SELECT count(*) FROM events').pluck().get() as number) : 0
    const perEvent = Math.max(1, pages(db).usedBytes / Math.max(1, events))
    const select = db.prepare(SIZE_CANDIDATES_SQL).raw()
    let after = 0
    await deleteBatches(
      db,
      options,
      report,
      (limit) => {
        const rows = select.all(after, limit) as Candidate[]
        after = rows.at(-1)?.[0] ?? after
        return rows
      },
      () => pages(db).usedBytes <= maxBytes,
      (most) => Math.min(most, Math.max(1, Math.ceil((pages(db).usedBytes - maxBytes) / perEvent))),
    )
  }
  const after = pages(db)
  report.bytesAfter = after.fileBytes
  report.reclaimedBytes = Math.max(0, before.fileBytes - after.fileBytes)
  report.durationMs = Math.round((performance.now() - started) * 10) / 10
  return report
}
