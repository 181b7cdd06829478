import type { Statement } from 'better-sqlite3'
import type { AppendItem } from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'
import type { SqliteDatabase } from './open-database.ts'

const COLUMNS = '(seq, id, type, session_id, session_seq, ts_ms, committed_ms, body, trace_id, source)'
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
const PER_ROW = 10

/** The ts_ms column: the time the bus gave, else ts parsed; NULL when it is not a time. */
export function timeColumn(item: AppendItem): number | null {
  const timeMs = item.timeMs ?? Date.parse(item.envelope.ts)
  return Number.isFinite(timeMs) ? timeMs : null
}

/** The trace_id column: NULL for the root of its own trace (schema.ts), so the trace index holds only followers. */
export function traceColumn(envelope: Envelope): string | null {
  return envelope.traceId === envelope.id ? null : (envelope.traceId ?? '')
}

/** Most rows one multi-row INSERT carries (decision 1744). */
export const ROWS_PER_STATEMENT = 32

/**
 * Several events in one INSERT statement. It has no ON CONFLICT clause: when one of its ids is
 * already in the log (or twice in the statement), SQLite aborts the statement and undoes every row
 * of it, the transaction stays open, and `run` answers false so the caller can insert those events
 * one by one the usual way (ON CONFLICT (id) DO NOTHING, which finds the first event's receipt).
 * Nothing of a failed statement is kept, so seq stays gapless.
 */
export class EventRows {
  private readonly statements = new Map<number, Statement>()
  private readonly values: unknown[] = new Array(ROWS_PER_STATEMENT * PER_ROW)
  private rows = 0

  constructor(private readonly db: SqliteDatabase) {}

  add(
    seq: number,
    id: string,
    type: string,
    sessionId: string | null,
    sessionSeq: number | null,
    timeMs: number | null,
    committedMs: number,
    body: string,
    traceId: string | null,
    source: string | null,
  ): void {
    const values = this.values
    let at = this.rows * PER_ROW
    values[at++] = seq
    values[at++] = id
    values[at++] = type
    values[at++] = sessionId
    values[at++] = sessionSeq
    values[at++] = timeMs
    values[at++] = committedMs
    values[at++] = body
    values[at++] = traceId
    values[at] = source
    this.rows++
  }

  /** Inserts the rows added since the last run; false (nothing inserted) when an id was already there. */
  run(): boolean {
    const rows = this.rows
    this.rows = 0
    const values = this.values
    // The values array is reused; the statement for fewer rows gets exactly its share.
    const bound = rows === ROWS_PER_STATEMENT ? values : values.slice(0, rows * PER_ROW)
    try {
      this.statement(rows).run(bound)
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false
      throw error
    }
    return true
  }

  private statement(rows: number): Statement {
    let statement = this.statements.get(rows)
    if (statement === undefined) {
      statement = this.db.prepare(
        `INSERT INTO events ${COLUMNS} VALUES ${new Array(rows).fill(ROW).join(', ')}`,
      )
      this.statements.set(rows, statement)
    }
    return statement
  }
}
