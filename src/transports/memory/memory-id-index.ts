/** What the id index reads from the log: its length, and each position's id and append time. */
export interface IndexedLog {
  readonly length: number
  idAt(index: number): string
  appendedAt(index: number): number
}

/**
 * Event id -> the position in the log of the record that first used it, for the dedupe window.
 * Keyed by the id itself (no `id:` string built per event) and valued by a position (no entry
 * object), with the two-generation expiry of DedupeWindow: O(1), exact on hit, at most two
 * windows kept.
 *
 * Indexing is lazy (decision 1740): the log is in append order, and the index only records how
 * far into it it has looked. An id lookup first indexes every record appended since the last
 * lookup, so the answer is the same as if each had been indexed when appended. A log whose ids
 * are all made by the bus (UUIDv7, unique by construction) is never looked up by id, and so never
 * pays for hashing its ids into a map.
 */
export class MemoryIdIndex {
  private current = new Map<string, number>()
  private previous = new Map<string, number>()
  private startedAt = Number.NEGATIVE_INFINITY
  /** Positions [0, indexed) are in the maps (or were past their window when reached). */
  private indexed = 0

  constructor(
    private readonly windowMs: number,
    /** The log in append order; the index reads it, never changes it. */
    private readonly log: IndexedLog,
  ) {}

  /** The position of the record that used `id` within its window, or undefined. */
  get(id: string, now: number): number | undefined {
    this.catchUp(now)
    const hit = this.current.get(id) ?? this.previous.get(id)
    return hit !== undefined && this.log.appendedAt(hit) + this.windowMs > now ? hit : undefined
  }

  /** Records not yet indexed (for tests and the bench's reading of what is deferred). */
  get pending(): number {
    return this.log.length - this.indexed
  }

  clear(): void {
    this.current.clear()
    this.previous.clear()
    this.indexed = 0
  }

  private catchUp(now: number): void {
    this.rotate(now)
    const log = this.log
    const oldest = now - this.windowMs
    const length = log.length
    for (let index = this.indexed; index < length; index++) {
      // Past its window already: a lookup would not count it, so it need not be hashed at all.
      if (log.appendedAt(index) > oldest) this.current.set(log.idAt(index), index)
    }
    this.indexed = length
  }

  private rotate(now: number): void {
    if (now - this.startedAt < this.windowMs) return
    this.previous = now - this.startedAt >= 2 * this.windowMs ? new Map() : this.current
    this.current = new Map()
    this.startedAt = now
  }
}
