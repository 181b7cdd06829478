import type { Clock } from '../../src/bus/index.ts'

interface Timer {
  id: number
  due: number
  callback: () => void
}

/** A clock that moves only when told: advance(ms) runs due timers in time order. */
export class ManualClock implements Clock {
  private current: number
  private timers: Timer[] = []
  private nextId = 1

  constructor(start: number = Date.now()) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const timer = { id: this.nextId++, due: this.current + Math.max(0, delayMs), callback }
    this.timers.push(timer)
    return timer.id
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle)
  }

  get pendingTimers(): number {
    return this.timers.length
  }

  /** Moves time forward, firing every timer that falls due on the way (including ones they set). */
  advance(ms: number): void {
    const target = this.current + ms
    for (;;) {
      const due = this.timers
        .filter((timer) => timer.due <= target)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0]
      if (due === undefined) break
      this.timers = this.timers.filter((timer) => timer !== due)
      this.current = Math.max(this.current, due.due)
      due.callback()
    }
    this.current = target
  }
}
