import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { HubError } from '../contracts/index.ts'
import { QUERY_INDEX_SQL, SCHEMA_SQL, SCHEMA_VERSION } from './schema.ts'
import { migrateSchema } from './schema-migration.ts'
import { corruptFileError, storeError } from './store-errors.ts'
import type { EventStoreSettings } from './store-options.ts'

export type SqliteDatabase = Database.Database

const MAGIC = 'SQLite format 3\u0000'

/**
 * Reads the 100-byte header and compares the page count it records with the file's size, so a
 * truncated copy is reported instead of opening as a shorter (or empty) log.
 */
export function checkDatabaseFile(file: string): void {
  if (!existsSync(file)) return
  const size = statSync(file).size
  if (size === 0) return
  if (size < 100) throw corruptFileError(file, `only ${size} bytes, shorter than an SQLite header`)
  const header = Buffer.alloc(100)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, header, 0, 100, 0)
  } finally {
    closeSync(fd)
  }
  if (header.toString('latin1', 0, 16) !== MAGIC) throw corruptFileError(file, 'not an SQLite database')
  const rawPageSize = header.readUInt16BE(16)
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize
  const pageCount = header.readUInt32BE(28)
  const countIsValid = header.readUInt32BE(24) === header.readUInt32BE(92)
  if (countIsValid && pageCount > 0 && size < pageSize * pageCount) {
    throw corruptFileError(
      file,
      `truncated: ${size} bytes, the header records ${pageCount} pages of ${pageSize} bytes`,
    )
  }
}

/** Opens (creating if needed) the log file with WAL, the chosen synchronous mode and the schema. */
export function openDatabase(settings: EventStoreSettings): SqliteDatabase {
  const file = settings.path
  mkdirSync(dirname(file), { recursive: true })
  checkDatabaseFile(file)
  let db: SqliteDatabase
  try {
    db = new Database(file, { timeout: settings.busyTimeoutMs })
  } catch (error) {
    throw storeError(error, file, 'opening')
  }
  try {
    // Only a new, empty file takes this; an older log keeps its mode until `events compact --full`.
    db.pragma('auto_vacuum = INCREMENTAL')
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${settings.synchronous}`)
    db.pragma(`journal_size_limit = ${Math.floor(settings.walLimitBytes)}`)
    db.pragma('temp_store = MEMORY')
    db.exec(SCHEMA_SQL)
    const row = db.prepare('SELECT value FROM store_meta WHERE key = ?').get('schema_version') as
      | { value: string }
      | undefined
    if (row === undefined)
      db.prepare('INSERT INTO store_meta (key, value) VALUES (?, ?)').run(
        'schema_version',
        String(SCHEMA_VERSION),
      )
    else if (Number(row.value) > SCHEMA_VERSION) {
      throw new HubError(
        'E_IO',
        `event log ${file} has schema ${row.value}, newer than this localhub understands (${SCHEMA_VERSION})`,
      )
    } else migrateSchema(db, Number(row.value))
    db.exec(QUERY_INDEX_SQL)
    // Touch the newest page and the head row, so damage at the end of the file shows up now.
    db.prepare('SELECT max(seq) FROM events').get()
    db.prepare('SELECT last_seq FROM log_head WHERE id = 1').get()
  } catch (error) {
    db.close()
    throw storeError(error, file, 'opening')
  }
  return db
}
