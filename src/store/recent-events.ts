import type { StoredRecord } from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'

export interface SqliteRecord extends StoredRecord {
  body: string
}

// A class, not a closure per record: records are made once per event on the hot path.
class Record implements SqliteRecord {
  readonly sessionId: string | undefined
  private parsed: Envelope | undefined

  constructor(
    readonly seq: number,
    readonly type: string,
    sessionId: string | undefined | null,
    readonly body: string,
  ) {
    this.sessionId = sessionId ?? undefined
  }

  envelope(): Envelope {
    this.parsed ??= JSON.parse(this.body) as Envelope
    return this.parsed
  }
}

export function makeRecord(
  seq: number,
  type: string,
  sessionId: string | undefined | null,
  body: string,
): SqliteRecord {
  return new Record(seq, type, sessionId, body)
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

  /** How many records it holds now. */
  get size(): number {
    return this.records.length
  }

  get lastSeq(): number {
    return this.records[this.records.length - 1]?.seq ?? 0
  }
}
