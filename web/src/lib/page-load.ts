// The load a browser agent reports in its heartbeats (decision 2052). A page has no load average;
// what slows a display is its main thread being busy, which the browser reports as long tasks
// (PerformanceObserver 'longtask': every task over 50 ms). The load is the share of the last
// window the main thread spent in long tasks, 0 (idle) to 1 (never free), like the Node agent's
// load average per core.

export const DEFAULT_LOAD_WINDOW_MS = 10_000

export interface BusySpan {
  startTime: number
  duration: number
}

export class PageLoadMeter {
  readonly #windowMs: number
  #spans: BusySpan[] = []

  constructor(windowMs = DEFAULT_LOAD_WINDOW_MS) {
    if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError('windowMs must be positive')
    this.#windowMs = windowMs
  }

  /** Records long tasks (performance-timeline entries or anything with start and duration). */
  add(spans: Iterable<BusySpan>): void {
    for (const span of spans) {
      if (Number.isFinite(span.startTime) && Number.isFinite(span.duration) && span.duration > 0)
        this.#spans.push({ startTime: span.startTime, duration: span.duration })
    }
  }

  /** The busy share of the window ending at `now` (performance.now() time), rounded to 0.001. */
  load(now: number): number {
    const from = now - this.#windowMs
    this.#spans = this.#spans.filter((span) => span.startTime + span.duration > from)
    let busy = 0
    for (const span of this.#spans) {
      busy += Math.min(now, span.startTime + span.duration) - Math.max(from, span.startTime)
    }
    return Math.round(Math.min(1, Math.max(0, busy / this.#windowMs)) * 1000) / 1000
  }
}
