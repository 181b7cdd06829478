import type { Envelope } from '../contracts/index.ts'
import type { StoredRecord } from '../bus/index.ts'

export interface SqliteRecord extends StoredRecord {
  body: string
}

export function makeRecord(seq: number, type: string, sessionId: string | undefined | null, body: string): SqliteRecord {
  let parsed: Envelope | undefined
  return {
    seq,
    type,
    sessionId: sessionId ?? undefined,
    body,
    envelope: () => {
      parsed ??= JSON.parse(body) as Envelope
      return parsed
    },
  }
}

/**
 * The most recent events this process committed, contiguous by seq. A caught-up consumer reads
 * here instead of querying; a gap (another process committed in between) clears it.
 */
export class RecentEvents {
  private records: SqliteRecord[] = []

  constructor(private readonly capacity: number) {}

  add(record: SqliteRecord): void {
    if (this.capacity === 0) return
    const last = this.records[this.records.length - 1]
    if (last !== undefined && last.seq + 1 !== record.seq) this.records = []
    this.records.push(record)
    if (this.records.length > this.capacity * 2) this.records = this.records.slice(-this.capacity)
  }

  clear(): void {
    this.records = []
  }

  /** Records after afterSeq when this cache covers them, else undefined (ask the database). */
  after(afterSeq: number, limit: number): SqliteRecord[] | undefined {
    const first = this.records[0]
    if (first === undefined || afterSeq + 1 < first.seq) return undefined
    const start = afterSeq + 1 - first.seq
    return this.records.slice(start, start + limit)
  }

  get lastSeq(): number {
    return this.records[this.records.length - 1]?.seq ?? 0
  }
}
