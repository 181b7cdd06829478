import type { SqliteDatabase } from './open-database.ts'
import { RETIRED_IDS_UNTIL_KEY, SCHEMA_VERSION } from './schema.ts'

/**
 * Brings a version-1 log to version 2: the `id:` dedupe rows of events still in the log are
 * redundant next to the UNIQUE index on id; the rest (events retention already deleted) stay and
 * are checked until the last of them expires (decision 0620). One IMMEDIATE transaction.
 */
export function migrateSchema(db: SqliteDatabase, from: number): void {
  if (from >= SCHEMA_VERSION) return
  db.transaction(() => {
    if (from < 2) {
      db.exec(
        "DELETE FROM dedupe WHERE key >= 'id:' AND key < 'id;' AND substr(key, 4) IN (SELECT id FROM events)",
      )
      const until = db
        .prepare("SELECT max(expires_ms) FROM dedupe WHERE key >= 'id:' AND key < 'id;'")
        .pluck()
        .get() as number | null
      if (until !== null) raiseRetiredIdsUntil(db, until)
    }
    if (from < 3) addQueryColumns(db)
    db.prepare("UPDATE store_meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION))
  }).immediate()
}

/**
 * Version 3 (decision 1610): trace_id and source become columns, filled from each stored body in
 * the same transaction, so a crash leaves either the old log or the whole new one. The indexes on
 * them are created by openDatabase right after (QUERY_INDEX_SQL).
 */
function addQueryColumns(db: SqliteDatabase): void {
  const columns = new Set(
    (db.prepare('PRAGMA table_info(events)').all() as { name: string }[]).map((column) => column.name),
  )
  if (!columns.has('trace_id')) db.exec('ALTER TABLE events ADD COLUMN trace_id TEXT')
  if (!columns.has('source')) db.exec('ALTER TABLE events ADD COLUMN source TEXT')
  db.exec(
    "UPDATE events SET source = body ->> '$.source', trace_id = CASE body ->> '$.traceId' " +
      "WHEN id THEN NULL ELSE coalesce(body ->> '$.traceId', '') END",
  )
}

/** Records that `id:` dedupe keys may exist until `until` (only ever moves forward). */
export function raiseRetiredIdsUntil(db: SqliteDatabase, until: number): void {
  db.prepare(
    'INSERT INTO store_meta (key, value) VALUES (?, ?) ' +
      'ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))',
  ).run(RETIRED_IDS_UNTIL_KEY, String(Math.floor(until)))
}
