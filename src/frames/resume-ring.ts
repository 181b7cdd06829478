/** The last N numbered outbound lines, kept as written so a resume replays them unchanged. */
export class ResumeRing {
  readonly #capacity: number
  readonly #lines: { seq: number; line: string }[] = []

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  add(seq: number, line: string): void {
    if (this.#capacity === 0) return
    this.#lines.push({ seq, line })
    if (this.#lines.length > this.#capacity) this.#lines.shift()
  }

  /**
   * The lines after `lastSeen` up to `lastSent`, or undefined when some of them were evicted
   * (the peer would see a gap).
   */
  after(lastSeen: number, lastSent: number): string[] | undefined {
    if (lastSeen >= lastSent) return []
    const first = this.#lines[0]
    if (first === undefined || first.seq > lastSeen + 1) return undefined
    return this.#lines.filter((entry) => entry.seq > lastSeen).map((entry) => entry.line)
  }

  get size(): number {
    return this.#lines.length
  }
}
