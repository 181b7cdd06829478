import type { Clock, ConsumerConfig } from '../../bus/index.ts'
import { HubError } from '../../contracts/index.ts'
import { type Entry, inflightWith } from './consumer-entry.ts'

export interface AckDeadlinesPorts {
  clock: Clock
  config: ConsumerConfig
  /** How many entries the runner holds (bounds the stale deadlines kept behind a slow head). */
  held(): number
  /** The handler of this dispatch did not answer within ackWaitMs. */
  expired(entry: Entry, token: number, error: HubError): void
}

/**
 * Ack waits in dispatch order. ackWaitMs is one value per consumer, so deadlines only grow and
 * one timer for the oldest replaces a timer per message (decision 1733); settled heads are
 * dropped as they settle, so the queue holds about what is in flight. The queue is three parallel
 * arrays rather than an object per dispatch: nothing is allocated per message (decision 1766).
 */
export class AckDeadlines {
  private entries: Entry[] = []
  private tokens: number[] = []
  private deadlines: number[] = []
  private head = 0
  private timer: unknown

  constructor(private readonly ports: AckDeadlinesPorts) {}

  /** Starts the ack wait of the entry's dispatch `token`. */
  start(entry: Entry, token: number): void {
    const { clock, config } = this.ports
    this.entries.push(entry)
    this.tokens.push(token)
    this.deadlines.push(clock.now() + config.ackWaitMs)
    if (this.timer === undefined) this.arm(config.ackWaitMs)
  }

  private arm(delayMs: number): void {
    this.timer = this.ports.clock.setTimeout(() => {
      this.timer = undefined
      this.expire()
    }, delayMs)
  }

  /** Times out the handlers whose ack wait has passed, oldest first, and re-arms for the next. */
  private expire(): void {
    const now = this.ports.clock.now()
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head]!
      const token = this.tokens[this.head]!
      const live = inflightWith(entry, token)
      if (live && this.deadlines[this.head]! > now) break
      this.head++
      if (live) {
        const waited = this.ports.config.ackWaitMs
        this.ports.expired(entry, token, new HubError('E_TIMEOUT', `not acknowledged within ${waited} ms`))
      }
    }
    this.trim()
  }

  /** Drops settled heads; compacts when stale entries behind a slow head pile up. */
  trim(): void {
    const length = this.entries.length
    // Nothing waits (every handler so far returned without a promise): nothing to drop.
    if (length === 0) return
    while (this.head < length && !inflightWith(this.entries[this.head]!, this.tokens[this.head]!)) this.head++
    if (this.head >= length) {
      // The timer stays armed: clearing it here and arming it at the next dispatch cost a timer
      // per message again. It fires, finds nothing due, and is not re-armed. The arrays are
      // emptied in place, so their backing stores are reused.
      this.entries.length = 0
      this.tokens.length = 0
      this.deadlines.length = 0
      this.head = 0
      return
    }
    if (this.head > 1024 || length - this.head > 2 * this.ports.held() + 1024) this.compact()
    if (this.timer === undefined) {
      this.arm(Math.max(1, this.deadlines[this.head]! - this.ports.clock.now()))
    }
  }

  /** Keeps only the deadlines still waiting, in order. */
  private compact(): void {
    let kept = 0
    for (let index = this.head; index < this.entries.length; index++) {
      const entry = this.entries[index]!
      const token = this.tokens[index]!
      if (!inflightWith(entry, token)) continue
      this.entries[kept] = entry
      this.tokens[kept] = token
      this.deadlines[kept] = this.deadlines[index]!
      kept++
    }
    this.entries.length = kept
    this.tokens.length = kept
    this.deadlines.length = kept
    this.head = 0
  }

  /** Forgets every deadline and stops the timer (the runner stopped). */
  clear(): void {
    this.ports.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.entries.length = 0
    this.tokens.length = 0
    this.deadlines.length = 0
    this.head = 0
  }
}
