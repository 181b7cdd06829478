import type { StoredRecord } from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'

export interface SqliteRecord extends StoredRecord {
  body: string
}

// A class, not a closure per record: records are made once per event on the hot path.
class Record implements SqliteRecord {
  readonly sessionId: string | undefined

  constructor(
    readonly seq: number,
    readonly type: string,
    sessionId: string | undefined | null,
    readonly body: string,
  ) {
    this.sessionId = sessionId ?? undefined
  }

  /**
   * A new object on every call: consumers of the same event each get their own, so what one
   * handler changes in its envelope no other sees (decision 1638). Not kept either, so the recent
   * cache holds text only.
   */
  envelope(): Envelope {
    return JSON.parse(this.body) as Envelope
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

  /**
   * The records after afterSeq whose type matches, at most limit, read in place (no copy of the
   * cache per call), and `through`, the last seq looked at; undefined when the cache does not
   * reach back to afterSeq + 1 (ask the database).
   */
  matching(
    afterSeq: number,
    limit: number,
    matches: (type: string) => boolean,
  ): { records: SqliteRecord[]; through: number } | undefined {
    const records = this.records
    const first = records[0]
    if (first === undefined || afterSeq + 1 < first.seq) return undefined
    const found: SqliteRecord[] = []
    let through = afterSeq
    for (let index = Math.max(0, afterSeq + 1 - first.seq); index < records.length; index++) {
      const record = records[index]!
      through = record.seq
      if (matches(record.type) && found.push(record) >= limit) break
    }
    return { records: found, through }
  }

  /** How many records it holds now. */
  get size(): number {
    return this.records.length
  }

  get lastSeq(): number {
    return this.records[this.records.length - 1]?.seq ?? 0
  }
}
