import { closeSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import type { watch as chokidarWatch, FSWatcher } from 'chokidar'
import picomatch from 'picomatch'
import type { Clock } from '../../bus/index.ts'
import type { SkillLogger } from '../../skill-api/index.ts'
import { DEFAULT_BUILD_FAILURE_EXIT_CODE, failureOf } from './build-failure-patterns.ts'

/** A log is judged once nothing was appended to it for this long, in milliseconds. */
export const DEFAULT_BUILD_LOG_SETTLE_MS = 1_000
/** The most a log is read at once, in bytes: a huge append is read in pieces. */
export const DEFAULT_BUILD_LOG_READ_BYTES = 1024 * 1024
/** A line longer than this is cut (what is kept is still searched), in characters. */
export const DEFAULT_BUILD_LOG_MAX_LINE_CHARS = 16 * 1024

export interface BuildLogSource {
  /** An absolute file path or glob (picomatch syntax). */
  readonly pattern: string
  /** The project's name; default: the name of the folder holding the log. */
  readonly project?: string
}

export interface BuildFailure {
  readonly project: string
  readonly logPath: string
  readonly exitCode: number
  /** Stable for this failure: the log's identity and where the failing text began. */
  readonly key: string
}

export interface BuildLogWatcherOptions {
  readonly sources: readonly BuildLogSource[]
  readonly failurePatterns: readonly RegExp[]
  readonly settleMs: number
  /** Where read positions are kept across restarts (JSON). */
  readonly stateFile: string
  readonly clock: Clock
  readonly logger: SkillLogger
  readonly publish: (failure: BuildFailure) => Promise<void>
}

interface LogState {
  identity: string
  /** Bytes read and judged. */
  offset: number
  /** Bytes read; lines past `offset` wait for the log to settle. */
  readTo: number
  partial: string
  failing: { exitCode: number | undefined } | undefined
  timer: unknown
}

type SavedPositions = Record<string, { identity: string; offset: number }>

function identityOf(path: string): { identity: string; size: number } | undefined {
  try {
    const stats = statSync(path)
    return stats.isFile() ? { identity: `${stats.dev}:${stats.ino}`, size: stats.size } : undefined
  } catch {
    return undefined
  }
}

/**
 * Follows build logs: text appended to a watched log is read line by line, and a log with a
 * failure line is reported once, when it has been quiet for `settleMs` (one build's several error
 * lines make one failure). Content that was there when watching began is old, unless the log is
 * the one last seen (same inode) and grew while the hub was down: that part is read.
 */
export class BuildLogWatcher {
  readonly #options: BuildLogWatcherOptions
  readonly #logs = new Map<string, LogState>()
  readonly #watchers: FSWatcher[] = []
  #saved: SavedPositions = {}
  #closed = false

  constructor(options: BuildLogWatcherOptions) {
    this.#options = options
  }

  /** Resolves once every source's first scan is done. */
  async start(): Promise<void> {
    this.#saved = this.#load()
    if (this.#options.sources.length > 0) {
      // chokidar loads when there is a build log to follow, not with the skill (decision 1711).
      const { watch } = await import('chokidar')
      if (this.#closed) return
      await Promise.all(this.#options.sources.map((source) => this.#watch(source, watch)))
    }
    this.#save()
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const log of this.#logs.values()) this.#options.clock.clearTimeout(log.timer)
    await Promise.all(this.#watchers.map((watcher) => watcher.close()))
    this.#save()
  }

  /** The logs being followed, for health and tests. */
  get followed(): string[] {
    return [...this.#logs.keys()]
  }

  #watch(source: BuildLogSource, watch: typeof chokidarWatch): Promise<void> {
    const scan = picomatch.scan(source.pattern)
    const matches = picomatch(source.pattern, { dot: true })
    const base = scan.isGlob ? scan.base || '/' : dirname(source.pattern)
    const below = source.pattern
      .slice(base.length)
      .split('/')
      .filter((part) => part !== '').length
    const depth = !scan.isGlob ? 0 : source.pattern.includes('**') ? undefined : Math.max(0, below - 1)
    let scanned = false
    const watcher = watch(base, {
      ignoreInitial: false,
      followSymlinks: false,
      ...(depth === undefined ? {} : { depth }),
      ignored: (path, stats) => stats?.isFile() === true && !matches(path),
    })
    this.#watchers.push(watcher)
    watcher.on('all', (event, path) => {
      if (this.#closed || !matches(path)) return
      if (event === 'unlink') return this.#forget(path)
      if (event === 'add' || event === 'change') this.#read(path, source, event === 'add' && !scanned)
    })
    watcher.on('error', (error) =>
      this.#options.logger.warn('build log watcher error', { base, error: (error as Error).message }),
    )
    return new Promise((done) =>
      watcher.once('ready', () => {
        scanned = true
        done()
      }),
    )
  }

  #forget(path: string): void {
    const log = this.#logs.get(path)
    if (log === undefined) return
    this.#options.clock.clearTimeout(log.timer)
    this.#logs.delete(path)
  }

  /** Reads what was appended since the last read; `initial` is a log found by the first scan. */
  #read(path: string, source: BuildLogSource, initial: boolean): void {
    const found = identityOf(path)
    if (found === undefined) return
    let log = this.#logs.get(path)
    if (log === undefined || log.identity !== found.identity || found.size < log.readTo) {
      // New to us, replaced or truncated (a new build writes it afresh).
      const saved = this.#saved[path]
      const resumed = initial && saved?.identity === found.identity && saved.offset <= found.size
      const start = initial ? (resumed ? saved.offset : found.size) : 0
      if (log !== undefined) this.#options.clock.clearTimeout(log.timer)
      log = {
        identity: found.identity,
        offset: start,
        readTo: start,
        partial: '',
        failing: undefined,
        timer: undefined,
      }
      this.#logs.set(path, log)
    }
    const state = log
    while (state.readTo < found.size) {
      const length = Math.min(found.size - state.readTo, DEFAULT_BUILD_LOG_READ_BYTES)
      const buffer = Buffer.alloc(length)
      const descriptor = openSync(path, 'r')
      let read: number
      try {
        read = readSync(descriptor, buffer, 0, length, state.readTo)
      } finally {
        closeSync(descriptor)
      }
      if (read === 0) break
      this.#take(state, buffer.subarray(0, read).toString('utf8'))
      state.readTo += read
    }
    if (state.readTo === state.offset) return
    this.#options.clock.clearTimeout(state.timer)
    state.timer = this.#options.clock.setTimeout(
      () => void this.#settle(path, source, state),
      this.#options.settleMs,
    )
  }

  /** Searches the complete lines of a piece of the log; an unfinished last line waits. */
  #take(log: LogState, text: string): void {
    const lines = (log.partial + text).split('\n')
    log.partial = (lines.pop() ?? '').slice(-DEFAULT_BUILD_LOG_MAX_LINE_CHARS)
    for (const line of lines) this.#judge(log, line)
  }

  #judge(log: LogState, line: string): void {
    const failure = failureOf(line.slice(0, DEFAULT_BUILD_LOG_MAX_LINE_CHARS), this.#options.failurePatterns)
    if (failure === undefined) return
    if (log.failing === undefined) log.failing = { exitCode: failure.exitCode }
    else log.failing.exitCode ??= failure.exitCode
  }

  async #settle(path: string, source: BuildLogSource, log: LogState): Promise<void> {
    if (this.#closed || this.#logs.get(path) !== log) return
    // A last line without a newline is complete once the log is quiet.
    if (log.partial !== '') {
      this.#judge(log, log.partial)
      log.partial = ''
    }
    const failing = log.failing
    log.failing = undefined
    if (failing !== undefined) {
      const failure: BuildFailure = {
        project: (source.project ?? basename(dirname(path))) || 'build',
        logPath: path,
        exitCode: failing.exitCode ?? DEFAULT_BUILD_FAILURE_EXIT_CODE,
        // The batch starts where the last judged one ended: the same after a restart.
        key: `${path}:${log.identity}:${log.offset}`,
      }
      try {
        await this.#options.publish(failure)
      } catch (error) {
        this.#options.logger.warn('could not report a build failure', {
          path,
          error: (error as Error).message,
        })
      }
    }
    log.offset = log.readTo
    this.#save()
  }

  #load(): SavedPositions {
    try {
      return JSON.parse(readFileSync(this.#options.stateFile, 'utf8')) as SavedPositions
    } catch {
      return {}
    }
  }

  #save(): void {
    const positions: SavedPositions = { ...this.#saved }
    for (const [path, log] of this.#logs) positions[path] = { identity: log.identity, offset: log.offset }
    this.#saved = positions
    const temporary = `${this.#options.stateFile}.${process.pid}.tmp`
    try {
      writeFileSync(temporary, JSON.stringify(positions), { mode: 0o600 })
      renameSync(temporary, resolve(this.#options.stateFile))
    } catch (error) {
      this.#options.logger.warn('could not keep build log positions', { error: (error as Error).message })
    }
  }
}
