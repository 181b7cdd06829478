import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { APPROVALS_FILE_NAME } from '../../approvals/index.ts'
import { LEDGER_FILE_NAME } from '../../ledger/index.ts'

// What retention must not delete from the event log (decision 1611): the events of every trace the
// audit ledger records (the ledger is kept until the person deletes it, so its evidence stays) and
// of every approval still open (pending or awaiting confirmation).

const QUERIES: readonly [file: string, sql: string][] = [
  [LEDGER_FILE_NAME, 'SELECT DISTINCT trace_id FROM ledger_entries'],
  [
    APPROVALS_FILE_NAME,
    "SELECT DISTINCT trace_id FROM approvals WHERE status IN ('pending', 'awaiting_confirmation')",
  ],
]

/** The trace ids the ledger and open approvals in `dataDir` reference (read-only; absent files name none). */
export function referencedTraceIds(dataDir: string): Set<string> {
  const found = new Set<string>()
  for (const [name, sql] of QUERIES) {
    const file = join(dataDir, name)
    if (!existsSync(file)) continue
    const db = new Database(file, { readonly: true, fileMustExist: true })
    try {
      for (const traceId of db.prepare(sql).pluck().iterate() as Iterable<string>) found.add(traceId)
    } catch (error) {
      // A file without the table yet (opened by an older hub) references nothing.
      if (!/no such table/.test((error as Error).message)) throw error
    } finally {
      db.close()
    }
  }
  return found
}
