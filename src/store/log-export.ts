import Database from 'better-sqlite3'
import type { Envelope } from '../contracts/index.ts'

// Reads a SQLite event log page by page for a copy to another transport (`events migrate`,
// decision 1607), over its own read-only connection.

export const DEFAULT_EXPORT_PAGE = 1000

export interface ExportedEvent {
  seq: number
  envelope: Envelope
}

export interface LogExport {
  /** Events after `afterSeq`, in seq order, `pageSize` at a time. */
  pages(afterSeq: number, pageSize?: number): AsyncIterable<ExportedEvent[]>
  /** How many events the log holds after `afterSeq`. */
  countAfter(afterSeq: number): number
  /** The highest sessionSeq of every session. */
  sessionMaxima(): [string, number][]
  close(): void
}

export function openLogExport(file: string): LogExport {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  const page = db.prepare('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
  const count = db.prepare('SELECT COUNT(*) FROM events WHERE seq > ?').pluck()
  const maxima = db.prepare(
    'SELECT session_id, MAX(session_seq) AS top FROM events WHERE session_id IS NOT NULL GROUP BY session_id',
  )
  return {
    async *pages(afterSeq, pageSize = DEFAULT_EXPORT_PAGE) {
      let after = afterSeq
      for (;;) {
        const rows = page.all(after, pageSize) as { seq: number; body: string }[]
        if (rows.length === 0) return
        yield rows.map((row) => ({ seq: row.seq, envelope: JSON.parse(row.body) as Envelope }))
        after = rows.at(-1)!.seq
      }
    },
    countAfter: (afterSeq) => count.get(afterSeq) as number,
    sessionMaxima: () =>
      (maxima.all() as { session_id: string; top: number }[]).map((row) => [row.session_id, row.top]),
    close: () => db.close(),
  }
}
