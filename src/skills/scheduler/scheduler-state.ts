import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { TimerDefinition } from './timer-spec.ts'

/** What the scheduler keeps of one timer across restarts. */
export interface TimerProgress {
  /** When the timer was first seen: intervals count from here, and runs missed before it are none. */
  anchor: number
  /** The latest occurrence handled (fired or skipped), in epoch milliseconds. */
  last?: number
  count: number
}

export interface SchedulerSnapshot {
  progress: Record<string, TimerProgress>
  /** Timers added at run time (POST /timers, timer.schedule); the manifest's are not stored. */
  added: TimerDefinition[]
  heartbeatSeq: number
}

/** The scheduler's file in the data directory, written whole and renamed into place. */
export class SchedulerState {
  readonly #path: string
  #snapshot: SchedulerSnapshot

  constructor(path: string) {
    this.#path = path
    this.#snapshot = { progress: {}, added: [], heartbeatSeq: 0 }
    try {
      const read = JSON.parse(readFileSync(path, 'utf8')) as Partial<SchedulerSnapshot>
      this.#snapshot = {
        progress: read.progress ?? {},
        added: read.added ?? [],
        heartbeatSeq: read.heartbeatSeq ?? 0,
      }
    } catch {
      // A first start (or an unreadable file): every timer starts fresh.
    }
  }

  get snapshot(): SchedulerSnapshot {
    return this.#snapshot
  }

  progressOf(id: string, now: number): TimerProgress {
    let progress = this.#snapshot.progress[id]
    if (progress === undefined) {
      progress = { anchor: now, count: 0 }
      this.#snapshot.progress[id] = progress
    }
    return progress
  }

  forget(id: string): void {
    delete this.#snapshot.progress[id]
    this.#snapshot.added = this.#snapshot.added.filter((timer) => timer.id !== id)
  }

  save(): void {
    mkdirSync(dirname(this.#path), { recursive: true })
    const temporary = `${this.#path}.tmp`
    writeFileSync(temporary, JSON.stringify(this.#snapshot))
    renameSync(temporary, this.#path)
  }
}
