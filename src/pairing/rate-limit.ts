/**
 * Fixed-window counters per key (a remote address): public pairing routes are how a device
 * without a token begins, so they are the ones a stranger can hammer. Keys are forgotten with
 * their window, and at most `maxKeys` are tracked (beyond that every new key shares one bucket).
 */
export class WindowRateLimiter {
  readonly #limit: number
  readonly #windowMs: number
  readonly #maxKeys: number
  readonly #now: () => number
  #windowStart = 0
  readonly #counts = new Map<string, number>()

  constructor(options: { limit: number; windowMs: number; maxKeys?: number; now?: () => number }) {
    this.#limit = options.limit
    this.#windowMs = options.windowMs
    this.#maxKeys = options.maxKeys ?? 10_000
    this.#now = options.now ?? Date.now
  }

  /** Counts one attempt; false when the key is over its limit in this window. */
  take(key: string): boolean {
    const now = this.#now()
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now
      this.#counts.clear()
    }
    const bucket = this.#counts.has(key) || this.#counts.size < this.#maxKeys ? key : '*overflow*'
    const count = (this.#counts.get(bucket) ?? 0) + 1
    this.#counts.set(bucket, count)
    return count <= this.#limit
  }

  /** Milliseconds until the current window ends. */
  retryAfterMs(): number {
    return Math.max(0, this.#windowMs - (this.#now() - this.#windowStart))
  }
}
