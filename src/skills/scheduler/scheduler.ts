import type { Clock } from '../../bus/index.ts'
import { HubError } from '../../contracts/index.ts'
import type { SkillLogger } from '../../skill-api/index.ts'
import type { SchedulerState } from './scheduler-state.ts'
import { nextOccurrence, type TimerDefinition } from './timer-spec.ts'

/** Seed 004's bound on catching up: at most this many missed runs of one timer fire after a restart. */
export const DEFAULT_MAX_CATCH_UP = 10
/** An occurrence this late is still on time (a busy event loop, a slow disk), in milliseconds. */
export const DEFAULT_LATE_GRACE_MS = 60_000
/** The scheduler wakes at least this often, so a wall-clock jump is noticed, in milliseconds. */
export const DEFAULT_MAX_SLEEP_MS = 60_000
/** After a run could not be published, the next try waits this long, in milliseconds. */
export const DEFAULT_RETRY_AFTER_MS = 5_000
/** Occurrences looked at per timer per wake; beyond this the rest of a long outage is skipped. */
export const DEFAULT_MAX_SCAN = 100_000

/** One run of a timer, handed to the skill to publish. */
export interface Firing {
  readonly timer: TimerDefinition
  readonly scheduledFor: number
  readonly firedAt: number
  /** How many times the timer has fired, this one included. */
  readonly count: number
  readonly manual?: boolean
}

export interface SchedulerOptions {
  readonly clock: Clock
  readonly state: SchedulerState
  /** The manifest's timers (never stored: the manifest is their source). */
  readonly timers: readonly TimerDefinition[]
  readonly maxCatchUp: number
  readonly lateGraceMs: number
  readonly fire: (firing: Firing) => Promise<void>
  readonly logger: SkillLogger
}

export interface TimerListing {
  readonly timer: TimerDefinition
  readonly source: 'manifest' | 'added'
  readonly nextAt: number | undefined
  readonly lastAt: number | undefined
  readonly count: number
}

/**
 * Fires timers on the injected clock. A wake handles every timer that fell due: the newest due
 * occurrence is on time when it is at most `lateGraceMs` late; older ones were missed (the hub
 * was down, the machine slept) and follow the timer's policy: skip, once (one run stands for all
 * of them) or catch_up (the newest `maxCatchUp`). A run is published before its progress is saved,
 * so a crash between the two re-fires it and the bus drops the duplicate by its tick id.
 */
export class Scheduler {
  readonly #options: SchedulerOptions
  readonly #manifest = new Map<string, TimerDefinition>()
  #timer: unknown
  #closed = false
  #running: Promise<void> = Promise.resolve()

  constructor(options: SchedulerOptions) {
    this.#options = options
    for (const timer of options.timers) this.#manifest.set(timer.id, timer)
  }

  start(): void {
    const now = this.#options.clock.now()
    for (const timer of this.#all()) this.#options.state.progressOf(timer.id, now)
    this.#options.state.save()
    this.#schedule(0)
  }

  close(): Promise<void> {
    this.#closed = true
    this.#options.clock.clearTimeout(this.#timer)
    return this.#running
  }

  list(): TimerListing[] {
    const now = this.#options.clock.now()
    return this.#all().map((timer) => {
      const progress = this.#options.state.progressOf(timer.id, now)
      return {
        timer,
        source: this.#manifest.has(timer.id) ? 'manifest' : 'added',
        nextAt: nextOccurrence(timer, progress.last ?? progress.anchor, progress.anchor),
        lastAt: progress.last,
        count: progress.count,
      }
    })
  }

  /** Adds a timer, or replaces an added one with the same id; answers its next run. */
  add(timer: TimerDefinition): number | undefined {
    if (this.#manifest.has(timer.id))
      throw new HubError('E_BAD_REQUEST', `timer ${timer.id} comes from the manifest; change it there`)
    const { state, clock } = this.#options
    state.forget(timer.id)
    state.snapshot.added.push(timer)
    const progress = state.progressOf(timer.id, clock.now())
    state.save()
    this.#schedule(0)
    return nextOccurrence(timer, progress.anchor, progress.anchor)
  }

  remove(id: string): boolean {
    if (this.#manifest.has(id))
      throw new HubError('E_BAD_REQUEST', `timer ${id} comes from the manifest; remove it there`)
    const { state } = this.#options
    const known = state.snapshot.added.some((timer) => timer.id === id)
    if (known) {
      state.forget(id)
      state.save()
    }
    return known
  }

  /** Fires a timer now, outside its schedule (its next scheduled run is unchanged). */
  async runNow(id: string): Promise<Firing> {
    const timer = this.#all().find((candidate) => candidate.id === id)
    if (timer === undefined) throw new HubError('E_BAD_REQUEST', `no timer ${id}`)
    const { state, clock } = this.#options
    const now = clock.now()
    const progress = state.progressOf(id, now)
    const firing = { timer, scheduledFor: now, firedAt: now, count: progress.count + 1, manual: true }
    await this.#options.fire(firing)
    progress.count++
    state.save()
    return firing
  }

  /** Handles everything due now; the clock's timer calls it, tests may too. */
  wake(): Promise<void> {
    this.#running = this.#running
      .then(async () => {
        await this.#handleDue()
        this.#schedule(this.#nextDelay())
      })
      .catch((error: Error) => {
        // The run was not saved as done: it is tried again a little later, not in a tight loop.
        this.#options.logger.error('scheduler wake failed', { error: error.message })
        this.#schedule(DEFAULT_RETRY_AFTER_MS)
      })
    return this.#running
  }

  #all(): TimerDefinition[] {
    return [...this.#manifest.values(), ...this.#options.state.snapshot.added]
  }

  async #handleDue(): Promise<void> {
    if (this.#closed) return
    const { clock, state, lateGraceMs, maxCatchUp } = this.#options
    const now = clock.now()
    for (const timer of this.#all()) {
      const progress = state.progressOf(timer.id, now)
      const due: number[] = []
      let newest: number | undefined
      let scanned = 0
      let at = nextOccurrence(timer, progress.last ?? progress.anchor, progress.anchor)
      while (at !== undefined && at <= now && scanned < DEFAULT_MAX_SCAN) {
        newest = at
        due.push(at)
        // Only the newest few matter for any policy: memory stays bounded over a long outage.
        if (due.length > maxCatchUp + 1) due.shift()
        at = nextOccurrence(timer, at, progress.anchor)
        scanned++
      }
      if (newest === undefined) continue
      const onTime = newest >= now - lateGraceMs ? [due.pop()!] : []
      const missed = due
      const runs =
        timer.missed === 'catch_up'
          ? [...missed.slice(-maxCatchUp), ...onTime]
          : timer.missed === 'once'
            ? onTime.length > 0
              ? onTime
              : missed.slice(-1)
            : onTime
      for (const scheduledFor of runs) {
        await this.#options.fire({ timer, scheduledFor, firedAt: clock.now(), count: progress.count + 1 })
        progress.count++
      }
      progress.last = scanned >= DEFAULT_MAX_SCAN ? now : newest
      state.save()
    }
  }

  #nextDelay(): number {
    const { clock, state } = this.#options
    const now = clock.now()
    let soonest = now + DEFAULT_MAX_SLEEP_MS
    for (const timer of this.#all()) {
      const progress = state.progressOf(timer.id, now)
      const next = nextOccurrence(timer, progress.last ?? progress.anchor, progress.anchor)
      if (next !== undefined) soonest = Math.min(soonest, next)
    }
    return Math.max(0, soonest - now)
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return
    const { clock } = this.#options
    clock.clearTimeout(this.#timer)
    this.#timer = clock.setTimeout(() => void this.wake(), delayMs)
  }
}
