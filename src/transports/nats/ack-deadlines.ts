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
 * dropped as they settle, so the queue holds about what is in flight.
 */
export class AckDeadlines {
  private queue: { entry: Entry; token: number; at: number }[] = []
  private head = 0
  private timer: unknown

  constructor(private readonly ports: AckDeadlinesPorts) {}

  /** Starts the ack wait of the entry's dispatch `token`. */
  start(entry: Entry, token: number): void {
    const { clock, config } = this.ports
    this.queue.push({ entry, token, at: clock.now() + config.ackWaitMs })
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
    while (this.head < this.queue.length) {
      const head = this.queue[this.head]!
      const live = inflightWith(head.entry, head.token)
      if (live && head.at > now) break
      this.head++
      if (live) {
        const waited = this.ports.config.ackWaitMs
        this.ports.expired(
          head.entry,
          head.token,
          new HubError('E_TIMEOUT', `not acknowledged within ${waited} ms`),
        )
      }
    }
    this.trim()
  }

  /** Drops settled heads; compacts when stale entries behind a slow head pile up. */
  trim(): void {
    const queue = this.queue
    while (this.head < queue.length) {
      const head = queue[this.head]!
      if (inflightWith(head.entry, head.token)) break
      this.head++
    }
    if (this.head >= queue.length) {
      // The timer stays armed: clearing it here and arming it at the next dispatch cost a timer
      // per message again. It fires, finds nothing due, and is not re-armed.
      this.queue = []
      this.head = 0
      return
    }
    if (this.head > 1024 || queue.length - this.head > 2 * this.ports.held() + 1024) {
      this.queue = queue.slice(this.head).filter((item) => inflightWith(item.entry, item.token))
      this.head = 0
    }
    if (this.timer === undefined && this.queue.length > 0) {
      this.arm(Math.max(1, this.queue[0]!.at - this.ports.clock.now()))
    }
  }

  /** Forgets every deadline and stops the timer (the runner stopped). */
  clear(): void {
    this.ports.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.queue = []
    this.head = 0
  }
}
