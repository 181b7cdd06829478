import type { SqliteDatabase } from './open-database.ts'
import { raiseRetiredIdsUntil } from './schema-migration.ts'
import type { RetentionPolicy, RetentionRule } from './store-options.ts'

export interface RetentionReport {
  deleted: number
}

// Deletes in slices so one pass never holds the write lock for long.
const DELETE_SLICE = 5000

/** When the deleted events' ids must still dedupe: until committed_ms + windowMs. */
interface DedupeHold {
  now: number
  windowMs: number
}

const SLICE = 'SELECT seq FROM events WHERE type = ? AND seq <= ? ORDER BY seq LIMIT ?'

function deleteThrough(db: SqliteDatabase, type: string, maxSeq: number, hold: DedupeHold): number {
  let deleted = 0
  const slice = db.prepare(`DELETE FROM events WHERE seq IN (${SLICE})`)
  // The UNIQUE index on id is the id dedupe (decision 0620); an event deleted inside its dedupe
  // window leaves its id in the dedupe table so a re-publish is still caught.
  const keep = db.prepare(
    "INSERT OR IGNORE INTO dedupe (key, id, seq, session_seq, expires_ms) SELECT 'id:' || id, id, seq, session_seq, committed_ms + ? " +
      `FROM events WHERE seq IN (${SLICE}) AND committed_ms + ? > ?`,
  )
  for (;;) {
    const changes = db
      .transaction(() => {
        const kept = keep.run(hold.windowMs, type, maxSeq, DELETE_SLICE, hold.windowMs, hold.now).changes
        if (kept > 0) raiseRetiredIdsUntil(db, hold.now + hold.windowMs)
        return slice.run(type, maxSeq, DELETE_SLICE).changes
      })
      .immediate()
    deleted += changes
    if (changes < DELETE_SLICE) return deleted
  }
}

function applyRule(db: SqliteDatabase, type: string, rule: RetentionRule, hold: DedupeHold): number {
  const now = hold.now
  let deleted = 0
  if (rule.maxAgeMs !== undefined) {
    const cut = db
      .prepare('SELECT max(seq) FROM events WHERE type = ? AND committed_ms < ?')
      .pluck()
      .get(type, now - rule.maxAgeMs) as number | null
    if (cut !== null) deleted += deleteThrough(db, type, cut, hold)
  }
  if (rule.maxCount !== undefined) {
    const cut = db
      .prepare('SELECT seq FROM events WHERE type = ? ORDER BY seq DESC LIMIT 1 OFFSET ?')
      .pluck()
      .get(type, Math.floor(rule.maxCount)) as number | undefined
    if (cut !== undefined) deleted += deleteThrough(db, type, cut, hold)
  }
  if (rule.maxBytes !== undefined) {
    let total = 0
    let cut: number | undefined
    for (const [seq, size] of db
      .prepare('SELECT seq, length(body) FROM events WHERE type = ? ORDER BY seq DESC')
      .raw()
      .iterate(type) as Iterable<[number, number]>) {
      total += size
      if (total > rule.maxBytes) {
        cut = seq
        break
      }
    }
    if (cut !== undefined) deleted += deleteThrough(db, type, cut, hold)
  }
  return deleted
}

/**
 * Applies retention per type: a type's own rule, else the default rule. The oldest events go
 * first. Consumers that had not reached deleted events skip them (the log wins, as in JetStream
 * limits-based streams); DLQ entries keep their own copy.
 */
export function enforceRetention(
  db: SqliteDatabase,
  policy: RetentionPolicy,
  now: number,
  dedupeWindowMs = 0,
): RetentionReport {
  const types = policy.types ?? {}
  const ruled = Object.keys(types)
  if (ruled.length === 0 && policy.default === undefined) return { deleted: 0 }
  const present = db.prepare('SELECT DISTINCT type FROM events').pluck().all() as string[]
  let deleted = 0
  for (const type of present) {
    const rule = Object.hasOwn(types, type) ? types[type] : policy.default
    if (rule !== undefined) deleted += applyRule(db, type, rule, { now, windowMs: dedupeWindowMs })
  }
  return { deleted }
}
