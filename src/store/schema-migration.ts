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
    db.prepare("UPDATE store_meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION))
  }).immediate()
}

/** Records that `id:` dedupe keys may exist until `until` (only ever moves forward). */
export function raiseRetiredIdsUntil(db: SqliteDatabase, until: number): void {
  db.prepare(
    'INSERT INTO store_meta (key, value) VALUES (?, ?) ' +
      'ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))',
  ).run(RETIRED_IDS_UNTIL_KEY, String(Math.floor(until)))
}
