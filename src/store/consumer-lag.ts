import Database from 'better-sqlite3'
import { compileTypePattern } from '../bus/index.ts'

// How far each durable consumer of a SQLite log is behind (decision 1603): read over a separate
// read-only connection, so /health never waits on the writer.

/** Events after a consumer's ack floor that are examined one by one; beyond, the gap is an estimate. */
export const DEFAULT_LAG_SCAN_EVENTS = 10_000

export interface StoredConsumerLag {
  name: string
  filter: string
  /** Matching events after the ack floor not yet acknowledged (a lower bound when `estimated`). */
  pending: number
  /** Events of this consumer with a failed attempt, waiting for redelivery. */
  ackPending: number
  ackFloor: number
  estimated: boolean
}

export interface StoredLogLag {
  lastSeq: number
  consumers: StoredConsumerLag[]
}

/** Reads the log head and every durable consumer's position from `file` (read-only). */
export function readConsumerLag(file: string, scanLimit = DEFAULT_LAG_SCAN_EVENTS): StoredLogLag {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const lastSeq = (db.prepare('SELECT last_seq FROM log_head WHERE id = 1').pluck().get() as number) ?? 0
    const rows = db.prepare('SELECT name, filter, ack_floor FROM consumers ORDER BY name').all() as {
      name: string
      filter: string
      ack_floor: number
    }[]
    const after = db.prepare('SELECT seq, type FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
    const acked = db.prepare('SELECT seq FROM consumer_acks WHERE name = ?').pluck()
    const attempts = db.prepare('SELECT COUNT(*) FROM consumer_attempts WHERE name = ?').pluck()
    const consumers = rows.map((row): StoredConsumerLag => {
      const matches = compileTypePattern(row.filter)
      const done = new Set(acked.all(row.name) as number[])
      const events = after.all(row.ack_floor, scanLimit + 1) as { seq: number; type: string }[]
      const estimated = events.length > scanLimit
      const pending = events
        .slice(0, scanLimit)
        .filter((event) => matches(event.type) && !done.has(event.seq)).length
      return {
        name: row.name,
        filter: row.filter,
        pending,
        ackPending: attempts.get(row.name) as number,
        ackFloor: row.ack_floor,
        estimated,
      }
    })
    return { lastSeq, consumers }
  } finally {
    db.close()
  }
}
