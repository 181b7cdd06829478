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

/** Records at the cache's new end kept as committed (their objects and text shared by every reader). */
export const DEFAULT_RECENT_TEXT_RECORDS = 16
/**
 * Of the last commit (addCommit), at most this many records, and this many characters of their
 * text, also stay objects until the next commit: the consumers that commit wakes read them
 * without decoding (decision 2074).
 */
export const DEFAULT_RECENT_COMMIT_RECORDS = 1024
export const DEFAULT_RECENT_COMMIT_CHARS = 1024 * 1024
/** Bytes of stored JSON the older records keep, in one buffer outside the JavaScript heap. */
export const DEFAULT_RECENT_EVENT_BYTES = 8 * 1024 * 1024

/**
 * The most recent events this process committed, contiguous by seq, up to twice `capacity`
 * records. A caught-up consumer reads here instead of querying; a gap (another process committed
 * in between) clears it.
 *
 * Only the newest `textRecords` stay as their record objects. Older ones keep their type and
 * session (strings the events already had) in slots and their JSON as bytes in one ring buffer,
 * decoded again when read: thousands of records with their own strings outlived every young
 * collection and were promoted, which made each scavenge of a chat turn copy them (decision 2067).
 * A record whose bytes the ring overwrote leaves the cache (readers then ask the database).
 *
 * The records of the last commit stay objects until the next one (within DEFAULT_RECENT_COMMIT_*),
 * so the consumers it woke read them as they are, and runs of one type are kept, so a consumer
 * whose filter does not take a run's type passes it with one check (decision 2074).
 */
export class RecentEvents {
  private readonly slots: number
  /** Ring of slots: the record while it is among the newest, else undefined. */
  private readonly records: (SqliteRecord | undefined)[]
  private readonly types: (string | undefined)[]
  private readonly sessions: (string | undefined)[]
  /** Where each older record's bytes start in the ring buffer (a running byte count), and their length. */
  private readonly starts: Float64Array
  private readonly lengths: Int32Array
  private bytes: Buffer | undefined
  private written = 0
  /** Slot of the oldest record, how many are held, the seq of the oldest, how many are still records. */
  private head = 0
  private count = 0
  private firstSeq = 0
  private asRecords = 0
  /** Records at the new end that addCommit keeps as objects beyond textRecords, until the next commit. */
  private commitKept = 0
  /** Runs of one type, oldest first from runHead: the seq each starts at and its type. */
  private runSeqs: number[] = []
  private runTypes: string[] = []
  private runHead = 0

  constructor(
    capacity: number,
    private readonly textRecords = DEFAULT_RECENT_TEXT_RECORDS,
    private readonly byteCapacity = DEFAULT_RECENT_EVENT_BYTES,
    private readonly commitRecords = DEFAULT_RECENT_COMMIT_RECORDS,
    private readonly commitChars = DEFAULT_RECENT_COMMIT_CHARS,
  ) {
    this.slots = capacity * 2
    this.records = new Array(this.slots).fill(undefined)
    this.types = new Array(this.slots).fill(undefined)
    this.sessions = new Array(this.slots).fill(undefined)
    this.starts = new Float64Array(this.slots)
    this.lengths = new Int32Array(this.slots)
  }

  add(record: SqliteRecord): void {
    this.commitKept = 0
    this.push(record)
    this.trimRecords()
  }

  /**
   * One commit's records, in seq order. What the previous commit kept as objects goes to bytes
   * first; these stay objects (up to commitRecords and commitChars, the newest) until the next
   * commit or add.
   */
  addCommit(records: readonly SqliteRecord[]): void {
    this.commitKept = 0
    this.trimRecords()
    let chars = 0
    let kept = 0
    for (let index = records.length - 1; index >= 0 && kept < this.commitRecords; index--) {
      chars += records[index]!.body.length
      if (chars > this.commitChars) break
      kept++
    }
    for (const record of records) this.push(record)
    this.commitKept = Math.max(0, Math.min(kept, this.count) - this.textRecords)
    this.trimRecords()
  }

  clear(): void {
    for (let index = 0; index < this.count; index++) this.forget((this.head + index) % this.slots)
    this.head = 0
    this.count = 0
    this.asRecords = 0
    this.commitKept = 0
    this.runSeqs = []
    this.runTypes = []
    this.runHead = 0
  }

  private push(record: SqliteRecord): void {
    if (this.slots === 0) return
    if (this.count > 0 && this.firstSeq + this.count !== record.seq) this.clear()
    if (this.count === this.slots) this.dropOldest()
    if (this.count === 0) this.firstSeq = record.seq
    this.records[(this.head + this.count) % this.slots] = record
    this.count++
    this.asRecords++
    if (this.runSeqs.length === this.runHead || this.runTypes[this.runTypes.length - 1] !== record.type) {
      this.runSeqs.push(record.seq)
      this.runTypes.push(record.type)
    }
  }

  /** Moves the oldest records still kept whole to bytes, beyond textRecords and what the last commit keeps. */
  private trimRecords(): void {
    while (this.asRecords > this.textRecords + this.commitKept && this.count > 0)
      this.toBytes(this.count - this.asRecords)
  }

  /** Records after afterSeq when this cache covers them, else undefined (ask the database). */
  after(afterSeq: number, limit: number): SqliteRecord[] | undefined {
    if (this.count === 0 || afterSeq + 1 < this.firstSeq) return undefined
    const found: SqliteRecord[] = []
    const end = Math.min(this.count, afterSeq + 1 - this.firstSeq + limit)
    for (let index = afterSeq + 1 - this.firstSeq; index < end; index++) found.push(this.recordAt(index))
    return found
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
    if (this.count === 0 || afterSeq + 1 < this.firstSeq) return undefined
    const found: SqliteRecord[] = []
    const end = this.firstSeq + this.count
    let seq = afterSeq + 1
    let through = afterSeq
    // Run by run: a type the filter does not take is passed whole, with one check.
    for (let run = this.runOf(seq); seq < end; run++) {
      const runEnd = run + 1 < this.runSeqs.length ? this.runSeqs[run + 1]! : end
      if (!matches(this.runTypes[run]!)) {
        seq = runEnd
        through = runEnd - 1
        continue
      }
      for (; seq < runEnd; seq++) {
        through = seq
        if (found.push(this.recordAt(seq - this.firstSeq)) >= limit) return { records: found, through }
      }
    }
    return { records: found, through }
  }

  /** How many records it holds now. */
  get size(): number {
    return this.count
  }

  get lastSeq(): number {
    return this.count === 0 ? 0 : this.firstSeq + this.count - 1
  }

  /** The run that holds seq (one the cache holds): the last one starting at or before it. */
  private runOf(seq: number): number {
    let low = this.runHead
    let high = this.runSeqs.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if (this.runSeqs[middle]! <= seq) low = middle
      else high = middle - 1
    }
    return low
  }

  /** The record at position index (0: the oldest): the kept one, or a new one from its bytes. */
  private recordAt(index: number): SqliteRecord {
    const slot = (this.head + index) % this.slots
    const kept = this.records[slot]
    if (kept !== undefined) return kept
    const start = this.starts[slot]! % this.byteCapacity
    const body = this.bytes!.toString('utf8', start, start + this.lengths[slot]!)
    return new Record(this.firstSeq + index, this.types[slot]!, this.sessions[slot], body)
  }

  /** Moves the record at position index (the oldest still kept whole) into the ring buffer. */
  private toBytes(index: number): void {
    const slot = (this.head + index) % this.slots
    const record = this.records[slot]!
    const length = Buffer.byteLength(record.body)
    if (length > this.byteCapacity) {
      // Too big for the ring: the cache restarts after it (it must stay contiguous).
      const keep = this.count - index - 1
      while (this.count > keep) this.dropOldest()
      return
    }
    this.bytes ??= Buffer.allocUnsafeSlow(this.byteCapacity)
    // Each body lies in one piece: one that would cross the end starts again at the beginning.
    let start = this.written
    const offset = start % this.byteCapacity
    if (offset + length > this.byteCapacity) start += this.byteCapacity - offset
    const end = start + length
    // Records whose bytes this one overwrites leave (only older, already moved ones can be there).
    const overwritten = end - this.byteCapacity
    while (this.count > 0 && this.records[this.head] === undefined && this.starts[this.head]! < overwritten)
      this.dropOldest()
    this.bytes.write(record.body, start % this.byteCapacity, length, 'utf8')
    this.written = end
    this.records[slot] = undefined
    this.asRecords--
    this.types[slot] = record.type
    this.sessions[slot] = record.sessionId
    this.starts[slot] = start
    this.lengths[slot] = length
  }

  private dropOldest(): void {
    if (this.records[this.head] !== undefined) this.asRecords--
    this.forget(this.head)
    this.head = (this.head + 1) % this.slots
    this.firstSeq++
    this.count--
    if (this.count === 0) {
      this.runSeqs = []
      this.runTypes = []
      this.runHead = 0
      return
    }
    // The oldest run starts at the new first seq at the latest.
    while (this.runHead + 1 < this.runSeqs.length && this.runSeqs[this.runHead + 1]! <= this.firstSeq)
      this.runHead++
    if (this.runHead > 1024 && this.runHead * 2 > this.runSeqs.length) {
      this.runSeqs = this.runSeqs.slice(this.runHead)
      this.runTypes = this.runTypes.slice(this.runHead)
      this.runHead = 0
    }
  }

  private forget(slot: number): void {
    this.records[slot] = undefined
    this.types[slot] = undefined
    this.sessions[slot] = undefined
  }
}
