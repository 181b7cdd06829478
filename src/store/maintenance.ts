import { statSync } from 'node:fs'
import type { SqliteDatabase } from './open-database.ts'
import { enforceRetention } from './retention.ts'
import type { EventStoreSettings } from './store-options.ts'

function walSize(file: string): number {
  try {
    return statSync(`${file}-wal`).size
  } catch {
    return 0
  }
}

/** One checkpoint: PASSIVE normally, TRUNCATE when the WAL has grown past its limit. */
export function checkpoint(db: SqliteDatabase, settings: EventStoreSettings): void {
  const mode = walSize(settings.path) > settings.walLimitBytes ? 'TRUNCATE' : 'PASSIVE'
  db.pragma(`wal_checkpoint(${mode})`)
}

/** Starts the periodic checkpoint, dedupe expiry and retention work; returns a stop function. */
export function startMaintenance(
  db: SqliteDatabase,
  settings: EventStoreSettings,
  onError: (error: unknown, where: string) => void,
): () => void {
  const expire = db.prepare(
    'DELETE FROM dedupe WHERE key IN (SELECT key FROM dedupe WHERE expires_ms <= ? LIMIT 10000)',
  )
  const checkpointTimer = setInterval(() => {
    try {
      checkpoint(db, settings)
    } catch (error) {
      onError(error, 'checkpointing the WAL')
    }
  }, settings.checkpointIntervalMs)
  const retentionTimer = setInterval(() => {
    try {
      expire.run(settings.now())
      enforceRetention(db, settings.retention, settings.now(), settings.dedupeWindowMs)
    } catch (error) {
      onError(error, 'applying retention')
    }
  }, settings.retentionIntervalMs)
  checkpointTimer.unref()
  retentionTimer.unref()
  return () => {
    clearInterval(checkpointTimer)
    clearInterval(retentionTimer)
  }
}
