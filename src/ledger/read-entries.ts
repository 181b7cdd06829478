import type { LedgerDatabase } from './ledger-database.ts'
import type { LedgerEntry } from './ledger-types.ts'

interface EntryRow {
  idx: number
  hash: string
  body: string
}

function toEntry(row: EntryRow): LedgerEntry {
  // The body is what the hash covers, so shown entries are exactly what verify() checks.
  return { ...(JSON.parse(row.body) as Omit<LedgerEntry, 'hash'>), hash: row.hash }
}

/** Entries ascending by index: from `from` on, or the newest `limit` when no `from` is given. */
export function readEntries(
  db: LedgerDatabase,
  query: { traceId?: string; from?: number; limit: number },
): LedgerEntry[] {
  const where: string[] = []
  const params: (string | number)[] = []
  if (query.traceId !== undefined) {
    where.push('trace_id = ?')
    params.push(query.traceId)
  }
  if (query.from !== undefined) {
    where.push('idx >= ?')
    params.push(query.from)
  }
  const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`
  const order = query.from === undefined ? 'DESC' : 'ASC'
  const rows = db
    .prepare(`SELECT idx, hash, body FROM ledger_entries ${clause} ORDER BY idx ${order} LIMIT ?`)
    .all(...params, query.limit) as EntryRow[]
  if (order === 'DESC') rows.reverse()
  return rows.map(toEntry)
}
