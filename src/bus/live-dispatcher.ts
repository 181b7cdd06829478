import { type Envelope, toHubError } from '../contracts/index.ts'
import type { Clock } from './clock.ts'
import { compileTypePattern, type TypeMatcher } from './subjects.ts'
import type {
  BackpressureReport,
  LiveHandler,
  LiveLimits,
  LiveOptions,
  LiveSubscription,
} from './transport-types.ts'

/** At most one bus.backpressure report per subscriber in this interval; drops in between are summed. */
export const BACKPRESSURE_REPORT_INTERVAL_MS = 1000

interface LiveSubscriber {
  name: string
  pattern: string
  matches: TypeMatcher
  queue: string | undefined
  handler: LiveHandler
  buffer: Envelope[]
  running: boolean
  closed: boolean
  spaceWaiters: (() => void)[]
  /** Events waiting for room: while any wait, a new one queues behind them (publish order). */
  waiting: number
  /** The last waiter's turn; the next one starts after it. */
  lastWait: Promise<void>
  droppedSinceReport: number
  lastReportAt: number
}

export interface LiveDispatcherOptions {
  limits: LiveLimits
  clock: Clock
  onBackpressure(report: BackpressureReport): void
  onError(error: ReturnType<typeof toHubError>, where: string): void
}

/**
 * In-process fan-out with a bounded queue per subscriber. Each subscriber handles its events one
 * at a time, in publish order. When a queue is full the publisher waits for space: for droppable
 * (ephemeral) events at most blockMs, then the event is dropped for that subscriber and reported;
 * for stored events it waits as long as it takes.
 */
export class LiveDispatcher {
  private readonly subscribers: LiveSubscriber[] = []
  private readonly groupTurn = new Map<string, number>()
  private readonly idle: (() => void)[] = []

  constructor(private readonly options: LiveDispatcherOptions) {}

  get size(): number {
    return this.subscribers.length
  }

  /** Whether any subscriber's pattern matches `type`: publishers skip building the event otherwise. */
  wants(type: string): boolean {
    for (const subscriber of this.subscribers) if (subscriber.matches(type)) return true
    return false
  }

  subscribe(pattern: string, handler: LiveHandler, options: LiveOptions): LiveSubscription {
    const subscriber: LiveSubscriber = {
      name: options.name,
      pattern,
      matches: compileTypePattern(pattern),
      queue: options.queue,
      handler,
      buffer: [],
      running: false,
      closed: false,
      spaceWaiters: [],
      waiting: 0,
      lastWait: Promise.resolve(),
      droppedSinceReport: 0,
      lastReportAt: Number.NEGATIVE_INFINITY,
    }
    this.subscribers.push(subscriber)
    return {
      unsubscribe: () => {
        subscriber.closed = true
        subscriber.buffer.length = 0
        for (const wake of subscriber.spaceWaiters.splice(0)) wake()
        const index = this.subscribers.indexOf(subscriber)
        if (index >= 0) this.subscribers.splice(index, 1)
        this.checkIdle()
      },
    }
  }

  private targets(type: string): LiveSubscriber[] {
    const targets: LiveSubscriber[] = []
    let groups: Map<string, LiveSubscriber[]> | undefined
    for (const subscriber of this.subscribers) {
      if (!subscriber.matches(type)) continue
      if (subscriber.queue === undefined) targets.push(subscriber)
      else {
        groups ??= new Map()
        const members = groups.get(subscriber.queue) ?? []
        members.push(subscriber)
        groups.set(subscriber.queue, members)
      }
    }
    if (groups !== undefined) {
      for (const [group, members] of groups) {
        const turn = this.groupTurn.get(group) ?? 0
        this.groupTurn.set(group, turn + 1)
        // Round robin, but skip a member whose queue is full when another has room.
        let chosen = members[turn % members.length]!
        if (chosen.buffer.length >= this.options.limits.maxPending) {
          chosen = members.find((member) => member.buffer.length < this.options.limits.maxPending) ?? chosen
        }
        targets.push(chosen)
      }
    }
    return targets
  }

  /** Undefined when every subscriber took the event at once (the common, allocation-free path). */
  dispatch(envelope: Envelope, droppable: boolean): Promise<void> | undefined {
    if (this.subscribers.length === 0) return undefined
    let waits: Promise<void>[] | undefined
    for (const subscriber of this.targets(envelope.type)) {
      if (subscriber.buffer.length < this.options.limits.maxPending && subscriber.waiting === 0)
        this.enqueue(subscriber, envelope)
      else {
        waits ??= []
        waits.push(this.waitAndEnqueue(subscriber, envelope, droppable))
      }
    }
    return waits === undefined ? undefined : Promise.all(waits).then(() => undefined)
  }

  private enqueue(subscriber: LiveSubscriber, envelope: Envelope): void {
    subscriber.buffer.push(envelope)
    if (!subscriber.running) void this.run(subscriber)
  }

  /** Waiters take their turns one after another, so events that wait keep their order. */
  private waitAndEnqueue(subscriber: LiveSubscriber, envelope: Envelope, droppable: boolean): Promise<void> {
    const started = this.options.clock.now()
    subscriber.waiting++
    const turn = subscriber.lastWait
      .then(() => this.waitInTurn(subscriber, envelope, droppable, started))
      .finally(() => {
        subscriber.waiting--
      })
    // A turn that failed must not stop the ones behind it.
    subscriber.lastWait = turn.catch(() => undefined)
    return turn
  }

  private async waitInTurn(
    subscriber: LiveSubscriber,
    envelope: Envelope,
    droppable: boolean,
    started: number,
  ): Promise<void> {
    const { clock, limits } = this.options
    while (!subscriber.closed && subscriber.buffer.length >= limits.maxPending) {
      const remaining = droppable ? limits.blockMs - (clock.now() - started) : Number.POSITIVE_INFINITY
      if (remaining <= 0 || !(await this.waitForSpace(subscriber, remaining))) {
        if (!subscriber.closed && subscriber.buffer.length >= limits.maxPending) {
          this.drop(subscriber, envelope, clock.now() - started)
          return
        }
      }
    }
    if (!subscriber.closed) this.enqueue(subscriber, envelope)
  }

  private waitForSpace(subscriber: LiveSubscriber, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: unknown
      const wake = () => {
        if (timer !== undefined) this.options.clock.clearTimeout(timer)
        resolve(true)
      }
      subscriber.spaceWaiters.push(wake)
      if (Number.isFinite(timeoutMs)) {
        timer = this.options.clock.setTimeout(() => {
          const index = subscriber.spaceWaiters.indexOf(wake)
          if (index >= 0) subscriber.spaceWaiters.splice(index, 1)
          resolve(false)
        }, timeoutMs)
      }
    })
  }

  private drop(subscriber: LiveSubscriber, envelope: Envelope, blockedMs: number): void {
    subscriber.droppedSinceReport++
    const now = this.options.clock.now()
    if (now - subscriber.lastReportAt < BACKPRESSURE_REPORT_INTERVAL_MS) return
    const dropped = subscriber.droppedSinceReport
    subscriber.droppedSinceReport = 0
    subscriber.lastReportAt = now
    this.options.onBackpressure({
      subscription: subscriber.name,
      pattern: subscriber.pattern,
      eventType: envelope.type,
      dropped,
      queueDepth: subscriber.buffer.length,
      limit: this.options.limits.maxPending,
      blockedMs: Math.max(0, Math.round(blockedMs)),
    })
  }

  private async run(subscriber: LiveSubscriber): Promise<void> {
    subscriber.running = true
    while (subscriber.buffer.length > 0 && !subscriber.closed) {
      const envelope = subscriber.buffer.shift()!
      const wake = subscriber.spaceWaiters.shift()
      if (wake !== undefined) wake()
      try {
        await subscriber.handler(envelope)
      } catch (error) {
        this.options.onError(toHubError(error), `live subscriber ${subscriber.name} (${envelope.type})`)
      }
    }
    subscriber.running = false
    this.checkIdle()
  }

  private checkIdle(): void {
    if (this.subscribers.some((subscriber) => subscriber.running || subscriber.buffer.length > 0)) return
    for (const resolve of this.idle.splice(0)) resolve()
  }

  /** Resolves when every queue is empty and no handler runs. */
  drain(): Promise<void> {
    if (!this.subscribers.some((subscriber) => subscriber.running || subscriber.buffer.length > 0)) {
      return Promise.resolve()
    }
    return new Promise((resolve) => this.idle.push(resolve))
  }
}
