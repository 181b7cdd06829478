// A consumer's progress: where it starts (its saved snapshot, else its deliverFrom), its ack floor
// and the acked seqs above it, saving them in batches (decision 1645) and at stop. ConsumerEngine's
// base class, so its delivery path reaches this state without another object (decision 1779).
import { type Envelope, HubError, toHubError } from '../contracts/index.ts'
import type { Clock } from './clock.ts'
import type { Entry } from './consumer-entry.ts'
import type { AttemptState, ConsumerStateStore, LogReader } from './log-engine-types.ts'
import type { ConsumerConfig } from './transport-types.ts'

// A durable consumer's progress is saved at most this often while it works, and at once when it
// stops: each save was a commit (with fsync) of its own (decision 1645). A crash loses at most
// this much progress; those events are redelivered.
export const PROGRESS_SAVE_INTERVAL_MS = 100

export interface ConsumerEngineOptions {
  config: ConsumerConfig
  log: LogReader
  store: ConsumerStateStore | undefined
  clock: Clock
  onError(error: HubError, where: string): void
  /** The published envelope of seq when its publisher handed it over and no consumer took it yet. */
  takeHandedOver?(seq: number): Envelope | undefined
}

/** The state ConsumerEngine delivers from; it stops delivering when `stopped` is set. */
export abstract class ConsumerProgress {
  readonly name: string
  protected readonly config: ConsumerConfig
  protected readonly log: LogReader
  /** Only a durable consumer has one: an ephemeral one keeps its progress in memory. */
  protected readonly store: ConsumerStateStore | undefined
  protected readonly clock: Clock
  protected readonly onError: ConsumerEngineOptions['onError']
  /** Entries read from the log and not acked yet, in seq order: the first one holds the floor. */
  protected readonly pending = new Map<number, Entry>()
  /** Entries a DLQ retry put back: below the floor, so completing one only removes it. */
  protected readonly redo = new Map<number, Entry>()
  protected readonly acked = new Set<number>()
  /** Attempts a resumed consumer had saved, for the entries it reads again. */
  protected readonly savedAttempts: Map<number, AttemptState>
  protected floor: number
  protected cursor: number
  /** The store may hold seqs put back by a DLQ retry: on resume, and when notified of a retry. */
  protected redoWanted = false
  protected stopped = false
  protected dirtyAcks: number[] = []
  protected readonly dirtyAttempts = new Map<number, AttemptState>()
  private floorDirty = false
  private flushScheduled = false
  private flushTimer: NodeJS.Timeout | undefined

  constructor(options: ConsumerEngineOptions) {
    const { config, log, store, clock } = options
    this.name = config.name
    this.config = config
    this.log = log
    this.store = config.durable ? store : undefined
    this.clock = clock
    this.onError = options.onError
    const snapshot = this.store?.load(config.name)
    if (snapshot !== undefined) {
      if (snapshot.filter !== config.filter) {
        throw new HubError(
          'E_BAD_REQUEST',
          `durable consumer ${config.name} exists with filter ${snapshot.filter}, not ${config.filter}; use another name`,
        )
      }
      this.floor = snapshot.ackFloor
      for (const seq of snapshot.acked) this.acked.add(seq)
      this.savedAttempts = snapshot.attempts
      this.redoWanted = true
    } else {
      this.floor = this.startFloor()
      this.savedAttempts = new Map()
      this.store?.create(config.name, config.filter, this.floor)
    }
    this.cursor = this.floor
  }

  private startFloor(): number {
    const from = this.config.deliverFrom
    if (from === 'new') return this.log.lastSeq()
    if (from === 'first') return 0
    if ('seq' in from) return Math.max(0, from.seq - 1)
    return this.log.firstSeqAtOrAfter(from.time) - 1
  }

  protected recordAttempt(entry: Entry): void {
    if (this.store === undefined || entry.redo) return
    this.dirtyAttempts.set(entry.seq, { attempts: entry.attempts, lastError: entry.lastError })
    this.scheduleFlush()
  }

  /**
   * Records the ack of a delivered event (not a redo) that has left `pending`. The floor's own
   * event (the lowest pending one: in-order, synchronous handlers ack nothing else) moves the
   * floor by one instead of going through the acked set (decision 2073); advanceFloor() then
   * moves it past the skipped seqs that follow.
   */
  protected acknowledge(seq: number): void {
    if (seq === this.floor + 1) {
      // Every pending seq is above the floor and every acked one above seq: none is passed.
      this.floor = seq
      this.floorDirty = true
    } else {
      this.acked.add(seq)
      this.dirtyAcks.push(seq)
    }
    if (this.dirtyAttempts.size > 0) this.dirtyAttempts.delete(seq)
    if (this.savedAttempts.size > 0) this.savedAttempts.delete(seq)
    this.scheduleFlush()
  }

  protected advanceFloor(): void {
    const floor = this.pending.size === 0 ? this.cursor : this.pending.keys().next().value! - 1
    if (floor <= this.floor) return
    if (this.acked.size > 0) for (const seq of this.acked) if (seq <= floor) this.acked.delete(seq)
    this.floor = floor
    this.floorDirty = true
    this.scheduleFlush()
  }

  protected scheduleFlush(): void {
    if (this.store === undefined || this.flushScheduled) return
    this.flushScheduled = true
    this.flushTimer = setTimeout(() => {
      this.flushScheduled = false
      this.flushTimer = undefined
      this.flush()
    }, PROGRESS_SAVE_INTERVAL_MS)
  }

  /** Stops delivering, waits (at most ackWaitMs) for handlers in flight, then saves the position. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    const inflight: Promise<void>[] = []
    for (const entry of [...this.pending.values(), ...this.redo.values()]) {
      if (entry.state !== 'inflight') this.clock.clearTimeout(entry.timer)
      // Without a promise it is a synchronous handler that called stop() itself: it completes as
      // soon as it returns, before the position is saved below.
      else inflight.push(entry.settled ?? Promise.resolve())
    }
    if (inflight.length > 0) {
      let timer: NodeJS.Timeout | undefined
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(this.config.ackWaitMs, 10_000))
      })
      await Promise.race([Promise.allSettled(inflight), limit])
      clearTimeout(timer)
    }
    for (const entry of [...this.pending.values(), ...this.redo.values()])
      this.clock.clearTimeout(entry.timer)
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.flushScheduled = false
    this.flush()
  }

  private flush(): void {
    if (this.store === undefined) return
    if (!this.floorDirty && this.dirtyAcks.length === 0 && this.dirtyAttempts.size === 0) return
    const changes = {
      ackFloor: this.floor,
      acked: this.dirtyAcks.filter((seq) => seq > this.floor),
      attempts: [...this.dirtyAttempts],
    }
    this.dirtyAcks = []
    this.dirtyAttempts.clear()
    this.floorDirty = false
    try {
      this.store.save(this.name, changes)
    } catch (error) {
      this.onError(toHubError(error, 'E_IO'), `consumer ${this.name}: saving its position`)
    }
  }
}
