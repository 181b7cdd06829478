/** What the id index needs from a stored record: its receipt and when it was appended. */
export interface IndexedRecord {
  readonly seq: number
  readonly sessionSeq: number | undefined
  readonly appendedAt: number
}

/**
 * Event id -> the record that first used it, for the dedupe window. Keyed by the id itself (no
 * `id:` string built per event) and valued by the record the log keeps anyway (no entry object),
 * with the two-generation expiry of DedupeWindow: O(1), exact on hit, at most two windows kept.
 */
export class MemoryIdIndex<R extends IndexedRecord> {
  private current = new Map<string, R>()
  private previous = new Map<string, R>()
  private startedAt = Number.NEGATIVE_INFINITY

  constructor(private readonly windowMs: number) {}

  get(id: string, now: number): R | undefined {
    this.rotate(now)
    const hit = this.current.get(id) ?? this.previous.get(id)
    return hit !== undefined && hit.appendedAt + this.windowMs > now ? hit : undefined
  }

  remember(id: string, record: R, now: number): void {
    this.rotate(now)
    this.current.set(id, record)
  }

  clear(): void {
    this.current.clear()
    this.previous.clear()
  }

  private rotate(now: number): void {
    if (now - this.startedAt < this.windowMs) return
    this.previous = now - this.startedAt >= 2 * this.windowMs ? new Map() : this.current
    this.current = new Map()
    this.startedAt = now
  }
}
