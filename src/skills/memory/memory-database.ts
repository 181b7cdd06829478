import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { HubError } from '../../contracts/index.ts'

export type SqliteDatabase = Database.Database

const SCHEMA_VERSION = '1'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS episodes (
  row INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  session_id TEXT NOT NULL,
  trace_id TEXT,
  ts INTEGER NOT NULL,
  user_text TEXT NOT NULL,
  assistant_text TEXT NOT NULL,
  summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS episodes_by_session ON episodes (session_id, ts);
CREATE INDEX IF NOT EXISTS episodes_by_ts ON episodes (ts);
CREATE TABLE IF NOT EXISTS facts (
  row INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  session_id TEXT NOT NULL,
  episode_id TEXT NOT NULL,
  ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS facts_by_episode ON facts (episode_id);
CREATE INDEX IF NOT EXISTS facts_by_ts ON facts (ts);
CREATE VIRTUAL TABLE IF NOT EXISTS episode_text USING fts5(summary, user_text, assistant_text, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS fact_text USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
`

/**
 * Opens (creating on first use, mode 0600: it holds raw user text) the memory database. Deleted
 * content must not linger: secure_delete zeroes freed pages, and the FTS5 tables run with their
 * own secure-delete option so removed terms leave the index at once instead of at the next merge.
 */
export function openMemoryDatabase(path: string): SqliteDatabase {
  let database: SqliteDatabase | undefined
  try {
    const inMemory = path === ':memory:'
    if (!inMemory) mkdirSync(dirname(path), { recursive: true })
    const created = !inMemory && !existsSync(path)
    database = new Database(path)
    if (created) chmodSync(path, 0o600)
    database.pragma('journal_mode = WAL')
    database.pragma('synchronous = NORMAL')
    database.pragma('secure_delete = ON')
    database.pragma('busy_timeout = 5000')
    database.exec(SCHEMA)
    database.prepare("INSERT INTO episode_text (episode_text, rank) VALUES ('secure-delete', 1)").run()
    database.prepare("INSERT INTO fact_text (fact_text, rank) VALUES ('secure-delete', 1)").run()
    const version = database.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as
      | string
      | undefined
    if (version === undefined) {
      database.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(SCHEMA_VERSION)
    } else if (version !== SCHEMA_VERSION) {
      throw new HubError(
        'E_IO',
        `memory store ${path} has schema version ${version}; this hub reads ${SCHEMA_VERSION}`,
        {
          details: { path, schemaVersion: version },
        },
      )
    }
    return database
  } catch (error) {
    database?.close()
    if (error instanceof HubError) throw error
    const reason = (error as Error).message
    throw new HubError(
      'E_IO',
      `cannot open memory store ${path}: ${reason} (delete the file to start over)`,
      {
        details: { path, reason },
        cause: error,
      },
    )
  }
}
