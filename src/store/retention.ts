import type { SqliteDatabase } from './open-database.ts'
import type { RetentionPolicy, RetentionRule } from './store-options.ts'

export interface RetentionReport {
  deleted: number
}

// Deletes in slices so one pass never holds the write lock for long.
const DELETE_SLICE = 5000

function deleteThrough(db: SqliteDatabase, type: string, maxSeq: number): number {
  let deleted = 0
  const slice = db.prepare(
    'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE type = ? AND seq <= ? ORDER BY seq LIMIT ?)',
  )
  for (;;) {
    const changes = db.transaction(() => slice.run(type, maxSeq, DELETE_SLICE).changes).immediate()
    deleted += changes
    if (changes < DELETE_SLICE) return deleted
  }
}

function applyRule(db: SqliteDatabase, type: string, rule: RetentionRule, now: number): number {
  let deleted = 0
  if (rule.maxAgeMs !== undefined) {
    const cut = db
      .prepare('SELECT max(seq) FROM events WHERE type = ? AND committed_ms < ?')
      .pluck()
      .get(type, now - rule.maxAgeMs) as number | null
    if (cut !== null) deleted += deleteThrough(db, type, cut)
  }
  if (rule.maxCount !== undefined) {
    const cut = db
      .prepare('SELECT seq FROM events WHERE type = ? ORDER BY seq DESC LIMIT 1 OFFSET ?')
      .pluck()
      .get(type, Math.floor(rule.maxCount)) as number | undefined
    if (cut !== undefined) deleted += deleteThrough(db, type, cut)
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
    if (cut !== undefined) deleted += deleteThrough(db, type, cut)
  }
  return deleted
}

/**
 * Applies retention per type: a type's own rule, else the default rule. The oldest events go
 * first. Consumers that had not reached deleted events skip them (the log wins, as in JetStream
 * limits-based streams); DLQ entries keep their own copy.
 */
export function enforceRetention(db: SqliteDatabase, policy: RetentionPolicy, now: number): RetentionReport {
  const types = policy.types ?? {}
  const ruled = Object.keys(types)
  if (ruled.length === 0 && policy.default === undefined) return { deleted: 0 }
  const present = db.prepare('SELECT DISTINCT type FROM events').pluck().all() as string[]
  let deleted = 0
  for (const type of present) {
    const rule = Object.hasOwn(types, type) ? types[type] : policy.default
    if (rule !== undefined) deleted += applyRule(db, type, rule, now)
  }
  return { deleted }
}
