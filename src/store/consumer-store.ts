import type {
  AttemptState,
  ConsumerSnapshot,
  ConsumerStateStore,
  DeadLetterEntry,
  DeadLetterQuery,
} from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'
import type { EventWriter } from './event-writer.ts'
import type { SqliteDatabase } from './open-database.ts'
import { storeError } from './store-errors.ts'

interface DlqRow {
  dlq_id: number
  consumer: string
  seq: number
  event_id: string
  type: string
  attempts: number
  last_error: string
  moved_ms: number
  body: string
}

function toEntry(row: DlqRow): DeadLetterEntry {
  return {
    dlqId: row.dlq_id,
    consumer: row.consumer,
    seq: row.seq,
    eventId: row.event_id,
    eventType: row.type,
    attempts: row.attempts,
    lastError: row.last_error,
    movedAt: new Date(row.moved_ms).toISOString(),
    envelope: JSON.parse(row.body) as Envelope,
  }
}

/** Consumer positions and the dead-letter queue in the same file as the log. */
export function createConsumerStore(
  db: SqliteDatabase,
  writer: EventWriter,
  file: string,
  now: () => number,
) {
  const s = {
    consumer: db.prepare('SELECT filter, ack_floor FROM consumers WHERE name = ?'),
    acks: db.prepare('SELECT seq FROM consumer_acks WHERE name = ?').pluck(),
    attempts: db.prepare('SELECT seq, attempts, last_error FROM consumer_attempts WHERE name = ?'),
    create: db.prepare(
      'INSERT OR IGNORE INTO consumers (name, filter, ack_floor, updated_ms) VALUES (?, ?, ?, ?)',
    ),
    dlqInsert: db.prepare(
      'INSERT INTO dlq (consumer, seq, event_id, type, attempts, last_error, moved_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    takeRedo: db.prepare('DELETE FROM consumer_redo WHERE name = ? RETURNING seq').pluck(),
    putRedo: db.prepare('INSERT OR IGNORE INTO consumer_redo (name, seq) VALUES (?, ?)'),
    clearAttempt: db.prepare('DELETE FROM consumer_attempts WHERE name = ? AND seq = ?'),
    dlqDelete: db.prepare('DELETE FROM dlq WHERE dlq_id = ?'),
  }

  function guarded<T>(action: string, run: () => T): T {
    try {
      return run()
    } catch (error) {
      throw storeError(error, file, action)
    }
  }

  const state: ConsumerStateStore = {
    load(name): ConsumerSnapshot | undefined {
      // A consumer stopped in this process may have handed its last progress to the writer
      // without a commit yet (engines save it in batches, decision 1645): committed first, so the
      // one that resumes it starts where it stopped.
      writer.flush()
      return guarded(`loading consumer ${name}`, () => {
        const row = s.consumer.get(name) as { filter: string; ack_floor: number } | undefined
        if (row === undefined) return undefined
        const attempts = new Map<number, AttemptState>()
        for (const item of s.attempts.all(name) as { seq: number; attempts: number; last_error: string }[]) {
          attempts.set(item.seq, { attempts: item.attempts, lastError: item.last_error })
        }
        return { filter: row.filter, ackFloor: row.ack_floor, acked: s.acks.all(name) as number[], attempts }
      })
    },
    create(name, filter, ackFloor) {
      guarded(`creating consumer ${name}`, () => s.create.run(name, filter, ackFloor, now()))
    },
    save(name, changes) {
      writer.saveConsumer(name, changes)
    },
    deadLetter(name, envelope, attempts, lastError) {
      return guarded(`moving an event of ${name} to the DLQ`, () => {
        const movedMs = now()
        const error = lastError.slice(0, 4000)
        const result = s.dlqInsert.run(
          name,
          envelope.seq ?? 0,
          envelope.id,
          envelope.type,
          attempts,
          error,
          movedMs,
          JSON.stringify(envelope),
        )
        return {
          dlqId: Number(result.lastInsertRowid),
          consumer: name,
          seq: envelope.seq ?? 0,
          eventId: envelope.id,
          eventType: envelope.type,
          attempts,
          lastError: error,
          movedAt: new Date(movedMs).toISOString(),
          envelope,
        }
      })
    },
    takeRedo(name) {
      return guarded(`reading DLQ retries of ${name}`, () =>
        (s.takeRedo.all(name) as number[]).sort((a, b) => a - b),
      )
    },
  }

  function selectSql(query: DeadLetterQuery): { sql: string; params: unknown[] } {
    const where: string[] = []
    const params: unknown[] = []
    if (query.consumer !== undefined) {
      where.push('consumer = ?')
      params.push(query.consumer)
    }
    if (query.ids !== undefined) {
      where.push(`dlq_id IN (SELECT value FROM json_each(?))`)
      params.push(JSON.stringify(query.ids.filter((id) => Number.isInteger(id))))
    }
    const limit = query.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(query.limit))}`
    return {
      sql: `SELECT * FROM dlq${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY dlq_id${limit}`,
      params,
    }
  }

  function listDeadLetters(query: DeadLetterQuery): DeadLetterEntry[] {
    return guarded('listing the DLQ', () => {
      const { sql, params } = selectSql(query)
      return (db.prepare(sql).all(...params) as DlqRow[]).map(toEntry)
    })
  }

  function takeDeadLetters(query: DeadLetterQuery, action: 'retry' | 'purge'): DeadLetterEntry[] {
    return guarded(`${action === 'retry' ? 'retrying' : 'purging'} DLQ entries`, () =>
      db
        .transaction(() => {
          const { sql, params } = selectSql(query)
          const rows = db.prepare(sql).all(...params) as DlqRow[]
          for (const row of rows) {
            s.dlqDelete.run(row.dlq_id)
            if (action === 'retry') {
              s.putRedo.run(row.consumer, row.seq)
              s.clearAttempt.run(row.consumer, row.seq)
            }
          }
          return rows.map(toEntry)
        })
        .immediate(),
    )
  }

  return { state, listDeadLetters, takeDeadLetters }
}
