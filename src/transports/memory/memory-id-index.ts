/** What the id index needs from a stored record: its id and when it was appended. */
export interface IndexedRecord {
  readonly id: string
  readonly seq: number
  readonly sessionSeq: number | undefined
  readonly appendedAt: number
}

/**
 * Event id -> the record that first used it, for the dedupe window. Keyed by the id itself (no
 * `id:` string built per event) and valued by the record the log keeps anyway (no entry object),
 * with the two-generation expiry of DedupeWindow: O(1), exact on hit, at most two windows kept.
 *
 * Indexing is lazy (decision 1740): the log's records are in append order, and the index only
 * records how far into them it has looked. An id lookup first indexes every record appended
 * since the last lookup, so the answer is the same as if each had been indexed when appended.
 * A log whose ids are all made by the bus (UUIDv7, unique by construction) is never looked up by
 * id, and so never pays for hashing its ids into a map.
 */
export class MemoryIdIndex<R extends IndexedRecord> {
  private current = new Map<string, R>()
  private previous = new Map<string, R>()
  private startedAt = Number.NEGATIVE_INFINITY
  /** Records[0, indexed) are in the maps (or were past their window when reached). */
  private indexed = 0

  constructor(
    private readonly windowMs: number,
    /** The log's records in append order; the index reads them, never changes them. */
    private readonly records: readonly R[],
  ) {}

  get(id: string, now: number): R | undefined {
    this.catchUp(now)
    const hit = this.current.get(id) ?? this.previous.get(id)
    return hit !== undefined && hit.appendedAt + this.windowMs > now ? hit : undefined
  }

  /** Records not yet indexed (for tests and the bench's reading of what is deferred). */
  get pending(): number {
    return this.records.length - this.indexed
  }

  clear(): void {
    this.current.clear()
    this.previous.clear()
    this.indexed = 0
  }

  private catchUp(now: number): void {
    this.rotate(now)
    const records = this.records
    const oldest = now - this.windowMs
    for (let index = this.indexed; index < records.length; index++) {
      const record = records[index]!
      // Past its window already: a lookup would not count it, so it need not be hashed at all.
      if (record.appendedAt > oldest) this.current.set(record.id, record)
    }
    this.indexed = records.length
  }

  private rotate(now: number): void {
    if (now - this.startedAt < this.windowMs) return
    this.previous = now - this.startedAt >= 2 * this.windowMs ? new Map() : this.current
    this.current = new Map()
    this.startedAt = now
  }
}
