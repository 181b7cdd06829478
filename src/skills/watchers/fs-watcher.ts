import { statSync } from 'node:fs'
import { relative, sep } from 'node:path'
import { type FSWatcher, watch } from 'chokidar'
import type { Clock } from '../../bus/index.ts'
import type { SkillLogger } from '../../skill-api/index.ts'
import { ChangeBuffer, type ChangeKind, type FileChange } from './change-buffer.ts'
import { IgnoreRules } from './ignore-rules.ts'

/** How often a watched root that is missing (or was deleted) is looked for, in milliseconds. */
export const DEFAULT_ROOT_CHECK_EVERY_MS = 2_000
/** open() waits at most this long for the first scan, so a huge tree cannot hold the hub, in milliseconds. */
export const DEFAULT_READY_WAIT_MS = 5_000

export interface RootWatcherOptions {
  readonly root: string
  readonly clock: Clock
  readonly debounceMs: number
  readonly maxPendingPaths: number
  readonly stormSummaryEveryMs: number
  readonly ignorePatterns: readonly string[]
  /** Folders never reported (the hub's data directory). */
  readonly excludedFolders: readonly string[]
  readonly rootCheckEveryMs: number
  readonly logger: SkillLogger
  readonly emit: (change: FileChange, root: string) => void
}

const KINDS: Record<string, ChangeKind> = { add: 'create', change: 'modify', unlink: 'delete' }

/** The folder's identity (device and inode), or undefined when it is not a folder. */
function folderIdentity(path: string): string | undefined {
  try {
    const stats = statSync(path)
    return stats.isDirectory() ? `${stats.dev}:${stats.ino}` : undefined
  } catch {
    return undefined
  }
}

/**
 * Watches one root with chokidar: file events are debounced per path and reported relative to
 * the root. A root that is missing, or deleted while watched, is looked for every
 * `rootCheckEveryMs` and watched again when it is back (its re-creation is reported as `.`).
 */
export class RootWatcher {
  readonly #options: RootWatcherOptions
  readonly #rules: IgnoreRules
  readonly #buffer: ChangeBuffer
  #watcher: FSWatcher | undefined
  #ready: Promise<void> = Promise.resolve()
  #check: unknown
  #closed = false
  #scanned = false
  #identity: string | undefined

  constructor(options: RootWatcherOptions) {
    this.#options = options
    this.#rules = new IgnoreRules(options.root, options.ignorePatterns, options.excludedFolders)
    this.#buffer = new ChangeBuffer({
      clock: options.clock,
      debounceMs: options.debounceMs,
      maxPendingPaths: options.maxPendingPaths,
      stormSummaryEveryMs: options.stormSummaryEveryMs,
      emit: (change) => options.emit(change, options.root),
    })
  }

  /** Whether the root exists and its first scan is done (changes are being seen). */
  get watching(): boolean {
    return this.#watcher !== undefined && this.#scanned
  }

  /** Resolves once the first scan is done (or the root is missing). */
  start(): Promise<void> {
    if (folderIdentity(this.#options.root) !== undefined) this.#open()
    this.#schedule()
    return this.#ready
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#options.clock.clearTimeout(this.#check)
    this.#buffer.clear()
    const watcher = this.#watcher
    this.#watcher = undefined
    await watcher?.close()
  }

  #schedule(): void {
    if (this.#closed) return
    this.#check = this.#options.clock.setTimeout(() => {
      void this.#checkRoot().finally(() => this.#schedule())
    }, this.#options.rootCheckEveryMs)
  }

  async #checkRoot(): Promise<void> {
    const identity = folderIdentity(this.#options.root)
    const present = identity !== undefined
    // Deleted and re-created between two checks: the old watcher holds a folder that is gone.
    if (present && this.#watcher !== undefined && identity !== this.#identity) {
      const stale = this.#watcher
      this.#watcher = undefined
      await stale.close()
    }
    if (present && this.#watcher === undefined) {
      this.#open()
      await this.#ready
      this.#buffer.add('.', 'create')
    } else if (!present && this.#watcher !== undefined) {
      const watcher = this.#watcher
      this.#watcher = undefined
      await watcher.close()
      this.#buffer.add('.', 'delete')
      this.#options.logger.warn('a watched folder is gone; watching for it to come back', {
        root: this.#options.root,
      })
    }
  }

  #open(): void {
    const { root } = this.#options
    this.#identity = folderIdentity(root)
    const watcher = watch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      ignored: (path, stats) => this.#rules.ignores(path, stats?.isDirectory() ?? false),
    })
    this.#watcher = watcher
    this.#scanned = false
    this.#ready = new Promise<void>((resolve) =>
      watcher.once('ready', () => {
        this.#scanned = true
        resolve()
      }),
    )
    watcher.on('all', (event, path) => {
      const kind = KINDS[event]
      if (kind === undefined || this.#watcher !== watcher) return
      const relativePath = relative(root, path).split(sep).join('/')
      if (relativePath === '.gitignore') this.#rules.reload()
      this.#buffer.add(relativePath, kind)
    })
    watcher.on('error', (error) =>
      this.#options.logger.warn('file watcher error', { root, error: (error as Error).message }),
    )
  }
}
