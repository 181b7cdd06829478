/**
 * The last few hundred milliseconds of audio, kept in memory only, in a fixed-size ring: older audio
 * is overwritten, never stored. After a wake its contents become the start of the utterance.
 */
export class PreRollBuffer {
  readonly #ring: Buffer
  #start = 0
  #length = 0

  constructor(readonly capacityBytes: number) {
    this.#ring = Buffer.alloc(Math.max(0, capacityBytes - (capacityBytes % 2)))
  }

  /** Bytes held now; never more than the capacity. */
  get length(): number {
    return this.#length
  }

  push(bytes: Buffer): void {
    const capacity = this.#ring.length
    if (capacity === 0) return
    const tail = bytes.length > capacity ? bytes.subarray(bytes.length - capacity) : bytes
    for (let index = 0; index < tail.length; ) {
      const at = (this.#start + this.#length) % capacity
      const room = Math.min(tail.length - index, capacity - at)
      tail.copy(this.#ring, at, index, index + room)
      index += room
      const overflow = this.#length + room - capacity
      this.#length = Math.min(capacity, this.#length + room)
      if (overflow > 0) this.#start = (this.#start + overflow) % capacity
    }
  }

  /** Hands over what it holds, oldest first, and empties itself (the ring is zeroed). */
  take(): Buffer {
    const capacity = this.#ring.length
    const out = Buffer.alloc(this.#length)
    for (let copied = 0; copied < this.#length; ) {
      const at = (this.#start + copied) % capacity
      const room = Math.min(this.#length - copied, capacity - at)
      this.#ring.copy(out, copied, at, at + room)
      copied += room
    }
    this.clear()
    return out
  }

  /** Forgets everything it holds. */
  clear(): void {
    this.#ring.fill(0)
    this.#start = 0
    this.#length = 0
  }
}
