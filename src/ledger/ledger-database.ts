import { randomUUID } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { HubError } from '../contracts/index.ts'

export type LedgerDatabase = Database.Database

// Triggers make the append-only rule hold for every writer that goes through SQLite, not only this
// code; someone editing the file can drop them, which is what the hash chain is for.
const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_entries (
  idx INTEGER PRIMARY KEY,
  trace_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_entries_trace ON ledger_entries (trace_id, idx);
CREATE TABLE IF NOT EXISTS ledger_checkpoints (
  idx INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  ts TEXT NOT NULL,
  key_id TEXT NOT NULL,
  signature TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS ledger_entries_no_update BEFORE UPDATE ON ledger_entries
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_entries_no_delete BEFORE DELETE ON ledger_entries
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
`

const MAGIC = 'SQLite format 3\u0000'

function checkHeader(file: string): void {
  const size = statSync(file).size
  if (size === 0) return
  const header = Buffer.alloc(16)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, header, 0, 16, 0)
  } finally {
    closeSync(fd)
  }
  if (header.toString('latin1') !== MAGIC) throw new HubError('E_IO', `${file} is not an SQLite database`)
}

function wrap(error: unknown, file: string): HubError {
  if (error instanceof HubError) return error
  return new HubError('E_IO', `ledger ${file}: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  })
}

/** Creates missing tables and re-creates the append-only triggers (after a recovery dropped them). */
export function ensureLedgerSchema(db: LedgerDatabase): void {
  db.exec(SCHEMA_SQL)
}

/** Opens (creating when writable) the ledger file in WAL mode and returns it with the ledger's id. */
export function openLedgerDatabase(
  file: string,
  options: { readonly: boolean; synchronous: 'FULL' | 'NORMAL'; busyTimeoutMs: number },
): { db: LedgerDatabase; ledgerId: string } {
  if (options.readonly && !existsSync(file)) throw new HubError('E_IO', `no ledger at ${file}`)
  if (!options.readonly) mkdirSync(dirname(file), { recursive: true })
  if (existsSync(file)) checkHeader(file)
  let db: LedgerDatabase
  try {
    db = new Database(file, {
      readonly: options.readonly,
      timeout: options.busyTimeoutMs,
      fileMustExist: options.readonly,
    })
  } catch (error) {
    throw wrap(error, file)
  }
  try {
    if (!options.readonly) {
      db.pragma('journal_mode = WAL')
      db.pragma(`synchronous = ${options.synchronous}`)
      ensureLedgerSchema(db)
      db.prepare('INSERT OR IGNORE INTO ledger_meta (key, value) VALUES (?, ?)').run(
        'ledger_id',
        randomUUID(),
      )
    }
    const row = db.prepare("SELECT value FROM ledger_meta WHERE key = 'ledger_id'").get() as
      | { value: string }
      | undefined
    if (row === undefined)
      throw new HubError('E_IO', `${file} has no ledger id; it is not a ledger or was damaged`)
    return { db, ledgerId: row.value }
  } catch (error) {
    db.close()
    throw wrap(error, file)
  }
}
