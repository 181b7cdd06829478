import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { HubError } from '../../contracts/index.ts'

export type SqliteDatabase = Database.Database

const SCHEMA_VERSION = '1'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY,
  source_key TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  chunking TEXT NOT NULL,
  chunk_count INTEGER NOT NULL,
  embedded INTEGER NOT NULL,
  indexed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source_id);
-- The chunk text lives only here (rowid = chunks.id); remove_diacritics 2 folds accents for matching.
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_text USING fts5(body, title, tokenize = 'unicode61 remove_diacritics 2');
`

/**
 * Opens (creating on first use) a SQLite file for a store and applies the schema. Anything that
 * goes wrong — a file that is not a database, a locked or unwritable file, a newer schema — is a
 * HubError naming the file, never a raw SQLite error.
 */
export function openSqliteFile(path: string, what: string): SqliteDatabase {
  let database: SqliteDatabase | undefined
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    database = new Database(path)
    database.pragma('journal_mode = WAL')
    database.pragma('synchronous = NORMAL')
    database.pragma('foreign_keys = ON')
    database.pragma('busy_timeout = 5000')
    database.prepare('SELECT count(*) FROM sqlite_schema').get()
    return database
  } catch (error) {
    database?.close()
    const reason = (error as Error).message
    throw new HubError('E_IO', `cannot open ${what} ${path}: ${reason} (delete the file to start over)`, {
      details: { path, reason },
      cause: error,
    })
  }
}

export function applyRagSchema(database: SqliteDatabase, path: string): void {
  try {
    database.exec(SCHEMA)
    const row = database.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      | { value: string }
      | undefined
    if (row === undefined) {
      database.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(SCHEMA_VERSION)
    } else if (row.value !== SCHEMA_VERSION) {
      throw new HubError(
        'E_IO',
        `RAG index ${path} has schema version ${row.value}; this hub reads ${SCHEMA_VERSION}`,
        {
          details: { path, schemaVersion: row.value },
        },
      )
    }
  } catch (error) {
    if (error instanceof HubError) throw error
    throw new HubError('E_IO', `RAG index ${path} is not usable: ${(error as Error).message}`, {
      details: { path },
      cause: error,
    })
  }
}

export function readMeta(database: SqliteDatabase, key: string): string | undefined {
  const row = database.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
    | { value: string }
    | undefined
  return row?.value
}

export function writeMeta(database: SqliteDatabase, key: string, value: string): void {
  database
    .prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    )
    .run(key, value)
}
