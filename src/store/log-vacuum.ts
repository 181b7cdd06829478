import { statSync } from 'node:fs'
import { openDatabase } from './open-database.ts'
import { eventStoreSettings } from './store-options.ts'

export interface VacuumReport {
  bytesBefore: number
  bytesAfter: number
  /** 2 = incremental (what schema 3 logs are created with). */
  autoVacuum: number
}

/**
 * Rewrites the log file once (VACUUM), switching it to auto_vacuum = INCREMENTAL on the way: how a
 * log created before schema 3 starts giving freed pages back. Holds the write lock for the whole
 * copy and needs free disk space for it, so it is only run on request (`events compact --full`).
 */
export function vacuumLog(path: string): VacuumReport {
  const db = openDatabase(eventStoreSettings({ path, dedupeWindowMs: 1 }))
  try {
    const bytesBefore = statSync(path).size
    db.pragma('wal_checkpoint(TRUNCATE)')
    db.pragma('auto_vacuum = INCREMENTAL')
    db.exec('VACUUM')
    db.pragma('wal_checkpoint(TRUNCATE)')
    return {
      bytesBefore,
      bytesAfter: statSync(path).size,
      autoVacuum: db.pragma('auto_vacuum', { simple: true }) as number,
    }
  } finally {
    db.close()
  }
}
