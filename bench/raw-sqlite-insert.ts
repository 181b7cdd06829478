// The raw better-sqlite3 baseline of bench/bus.bench.ts's durable publish rows (decisions 1743, 1744).
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { uuidV7 } from '../src/bus/index.ts'
import { QUERY_INDEX_SQL, SCHEMA_SQL } from '../src/store/index.ts'

export type Synchronous = 'FULL' | 'NORMAL'

const BATCH = 1000

const RAW_COLUMNS = '(seq, id, type, session_id, session_seq, ts_ms, committed_ms, body, trace_id, source)'
const RAW_ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
/** Rows per statement of the multi-row baseline: the writer's ROWS_PER_STATEMENT (decision 1744). */
export const RAW_ROWS_PER_STATEMENT = 32

/**
 * Raw better-sqlite3 on the log's own schema and indexes (src/store/schema.ts: the UNIQUE id index
 * and the four query indexes), the same columns and the same insert (ON CONFLICT (id) DO NOTHING)
 * with UUIDv7 ids: 1,000 rows per transaction, WAL, the same synchronous mode, a body of the same
 * size. What the store must do per event whoever writes it; the bus's share is the rest.
 * With rowsPerStatement > 1 it inserts the way the writer does since decision 1744: that many rows
 * per INSERT (no ON CONFLICT clause; the writer falls back to single rows only on a duplicate).
 */
export function rawInsertRate(
  dir: string,
  n: number,
  body: string,
  synchronous: Synchronous = 'FULL',
  rowsPerStatement = 1,
): number {
  const db = new Database(join(dir, `raw-${synchronous}-${rowsPerStatement}.sqlite`))
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.exec(SCHEMA_SQL)
  db.exec(QUERY_INDEX_SQL)
  const insert = db.prepare(`INSERT INTO events ${RAW_COLUMNS} VALUES ${RAW_ROW} ON CONFLICT (id) DO NOTHING`)
  const many = db.prepare(
    `INSERT INTO events ${RAW_COLUMNS} VALUES ${new Array(rowsPerStatement).fill(RAW_ROW).join(', ')}`,
  )
  const values: unknown[] = new Array(rowsPerStatement * 10)
  const batch = db.transaction((from: number) => {
    const now = Date.now()
    let i = from
    if (rowsPerStatement > 1)
      for (; i + rowsPerStatement <= from + BATCH; i += rowsPerStatement) {
        let at = 0
        for (let row = i; row < i + rowsPerStatement; row++) {
          values[at++] = row + 1
          values[at++] = uuidV7(now)
          values[at++] = 'note.added'
          values[at++] = null
          values[at++] = null
          values[at++] = now
          values[at++] = now
          values[at++] = body
          values[at++] = null
          values[at++] = 'bench'
        }
        many.run(values)
      }
    for (; i < from + BATCH; i++)
      insert.run(i + 1, uuidV7(now), 'note.added', null, null, now, now, body, null, 'bench')
  })
  const start = process.hrtime.bigint()
  for (let from = 0; from < n; from += BATCH) batch(from)
  const rate = n / seconds(start)
  db.close()
  return rate
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9
}
