import type { Clock } from '../../bus/index.ts'

export type ChangeKind = 'create' | 'modify' | 'delete'

/** One debounced change, relative to its watched root ('/'-separated). */
export interface FileChange {
  readonly path: string
  readonly kind: ChangeKind
  readonly ts: string
  /** Set on the one event that stands for a storm: how many paths changed. */
  readonly summary?: { readonly count: number }
}

/** Quiet time after a path's last raw event before its change is reported, in milliseconds. */
export const DEFAULT_DEBOUNCE_MS = 300
/** Paths waiting at once before the buffer switches to one summary for the storm. */
export const DEFAULT_MAX_PENDING_PATHS = 1_000
/** A storm that never goes quiet is still summarised this often, in milliseconds. */
export const DEFAULT_STORM_SUMMARY_EVERY_MS = 5_000

export interface ChangeBufferOptions {
  readonly clock: Clock
  readonly debounceMs: number
  readonly maxPendingPaths: number
  readonly stormSummaryEveryMs: number
  readonly emit: (change: FileChange) => void
}

/** Two raw events on one path within the debounce: what the person would say happened. */
function merge(before: ChangeKind, after: ChangeKind): ChangeKind | undefined {
  if (before === 'create' && after === 'delete') return undefined
  if (before === 'create') return 'create'
  if (before === 'delete' && after === 'create') return 'modify'
  return after
}

/** The deepest folder holding both `directory` (a folder, or undefined) and the file `path`. */
function commonDirectory(directory: string | undefined, path: string): string {
  const parent = path.split('/').slice(0, -1)
  if (directory === undefined) return parent.join('/')
  const held = directory === '' ? [] : directory.split('/')
  const shared: string[] = []
  for (let index = 0; index < Math.min(held.length, parent.length); index++) {
    if (held[index] !== parent[index]) break
    shared.push(held[index]!)
  }
  return shared.join('/')
}

/**
 * Debounces raw file events per path and bounds a storm: past `maxPendingPaths` waiting paths it
 * forgets them all and keeps only a count and their common folder, reported as one summary change
 * once the storm is quiet (or every `stormSummaryEveryMs` while it lasts). Memory stays flat.
 */
export class ChangeBuffer {
  readonly #options: ChangeBufferOptions
  readonly #pending = new Map<string, { kind: ChangeKind; timer: unknown }>()
  #storm: { count: number; directory: string | undefined; quiet: unknown; deadline: unknown } | undefined

  constructor(options: ChangeBufferOptions) {
    this.#options = options
  }

  get pendingPaths(): number {
    return this.#pending.size
  }

  get inStorm(): boolean {
    return this.#storm !== undefined
  }

  add(path: string, kind: ChangeKind): void {
    const { clock } = this.#options
    if (this.#storm !== undefined) {
      this.#growStorm(path)
      return
    }
    const waiting = this.#pending.get(path)
    if (waiting === undefined && this.#pending.size >= this.#options.maxPendingPaths) {
      this.#startStorm(path)
      return
    }
    if (waiting !== undefined) clock.clearTimeout(waiting.timer)
    const merged = waiting === undefined ? kind : merge(waiting.kind, kind)
    if (merged === undefined) {
      this.#pending.delete(path)
      return
    }
    const timer = clock.setTimeout(() => {
      this.#pending.delete(path)
      this.#options.emit({ path, kind: merged, ts: new Date(clock.now()).toISOString() })
    }, this.#options.debounceMs)
    this.#pending.set(path, { kind: merged, timer })
  }

  /** Drops everything waiting (the watcher is closing). */
  clear(): void {
    const { clock } = this.#options
    for (const waiting of this.#pending.values()) clock.clearTimeout(waiting.timer)
    this.#pending.clear()
    if (this.#storm !== undefined) {
      clock.clearTimeout(this.#storm.quiet)
      clock.clearTimeout(this.#storm.deadline)
      this.#storm = undefined
    }
  }

  #startStorm(path: string): void {
    const { clock } = this.#options
    let directory: string | undefined
    let count = 0
    for (const [waitingPath, waiting] of this.#pending) {
      clock.clearTimeout(waiting.timer)
      directory = commonDirectory(directory, waitingPath)
      count++
    }
    this.#pending.clear()
    this.#storm = {
      count,
      directory,
      quiet: undefined,
      deadline: clock.setTimeout(() => this.#endStorm(), this.#options.stormSummaryEveryMs),
    }
    this.#growStorm(path)
  }

  #growStorm(path: string): void {
    const storm = this.#storm!
    const { clock } = this.#options
    storm.count++
    storm.directory = commonDirectory(storm.directory, path)
    clock.clearTimeout(storm.quiet)
    storm.quiet = clock.setTimeout(() => this.#endStorm(), this.#options.debounceMs)
  }

  #endStorm(): void {
    const storm = this.#storm
    if (storm === undefined) return
    const { clock } = this.#options
    clock.clearTimeout(storm.quiet)
    clock.clearTimeout(storm.deadline)
    this.#storm = undefined
    this.#options.emit({
      path: storm.directory === undefined || storm.directory === '' ? '.' : storm.directory,
      kind: 'modify',
      ts: new Date(clock.now()).toISOString(),
      summary: { count: storm.count },
    })
  }
}
