import { type Dirent, readdirSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { type AsyncSubscription, subscribe } from '@parcel/watcher'
import type { Clock } from '../../bus/index.ts'
import type { SkillLogger } from '../../skill-api/index.ts'
import { ChangeBuffer, type ChangeKind, type FileChange } from './change-buffer.ts'
import { ALWAYS_IGNORED_NAMES, IgnoreRules, isInside } from './ignore-rules.ts'

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

const KINDS: Record<string, ChangeKind> = { create: 'create', update: 'modify', delete: 'delete' }

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

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
 * Watches one root with @parcel/watcher (one inotify watch per folder, events batched in native
 * code; chokidar's watch per file took 770 MiB for 100,000 files): file events are debounced per
 * path and reported relative to the root; folders are not reported, except the root itself. A root that is missing, or deleted while watched, is looked for every
 * `rootCheckEveryMs` and watched again when it is back (its re-creation is reported as `.`).
 */
export class RootWatcher {
  readonly #options: RootWatcherOptions
  readonly #rules: IgnoreRules
  readonly #buffer: ChangeBuffer
  #watcher: Promise<AsyncSubscription | undefined> | undefined
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
    await (await watcher)?.unsubscribe()
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
      await (await stale)?.unsubscribe()
    }
    if (present && this.#watcher === undefined) {
      this.#open()
      await this.#ready
      this.#buffer.add('.', 'create')
    } else if (!present && this.#watcher !== undefined) {
      const watcher = this.#watcher
      this.#watcher = undefined
      await (await watcher)?.unsubscribe()
      this.#buffer.add('.', 'delete')
      this.#options.logger.warn('a watched folder is gone; watching for it to come back', {
        root: this.#options.root,
      })
    }
  }

  #open(): void {
    const { root, logger } = this.#options
    this.#identity = folderIdentity(root)
    this.#scanned = false
    // Never watched at all (no inotify watch): dependencies, version control, the data directory.
    const ignore = [
      ...ALWAYS_IGNORED_NAMES.flatMap((name) => [name, `**/${name}`]),
      ...this.#options.excludedFolders.filter((folder) => isInside(root, folder)),
    ]
    const watcher: Promise<AsyncSubscription | undefined> = subscribe(
      root,
      (error, events) => {
        if (this.#watcher !== watcher) return
        if (error !== null) return logger.warn('file watcher error', { root, error: error.message })
        for (const event of events) {
          // An event on the root itself: it was deleted (and perhaps re-created: delete and create
          // within one batch come as an update).
          if (event.path === root) return this.#lose(watcher)
          this.#take(event.path, event.type)
        }
      },
      { ignore },
    ).catch((error: Error) => {
      logger.warn('could not watch a folder', { root, error: error.message })
      return undefined
    })
    this.#watcher = watcher
    this.#ready = watcher.then((subscription) => {
      if (subscription !== undefined && this.#watcher === watcher) this.#scanned = true
    })
  }

  /**
   * The root itself was deleted: its watch is dropped at once (a folder re-created at the same
   * path may even get the same inode, which the periodic check could not tell from the old one).
   */
  #lose(watcher: Promise<AsyncSubscription | undefined>): void {
    if (this.#watcher !== watcher) return
    this.#watcher = undefined
    void watcher.then((subscription) => subscription?.unsubscribe()).catch(() => undefined)
    this.#buffer.add('.', 'delete')
    this.#options.logger.warn('a watched folder is gone; watching for it to come back', {
      root: this.#options.root,
    })
  }

  #take(path: string, type: string): void {
    const kind = KINDS[type]
    if (kind === undefined || path === this.#options.root) return
    const folder = kind !== 'delete' && isDirectory(path)
    if (this.#ignored(path, folder)) return
    // A folder's own creation is not a file change, its files are: those written before its watch
    // was in place are found by reading it. A deletion is reported for its path, folder or not.
    if (folder) {
      if (kind === 'create') this.#crawl(path)
      return
    }
    this.#report(path, kind)
  }

  #crawl(folder: string): void {
    let entries: Dirent[]
    try {
      entries = readdirSync(folder, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = join(folder, entry.name)
      if (entry.isDirectory()) {
        if (!this.#rules.ignores(path, true)) this.#crawl(path)
      } else if (entry.isFile() && !this.#rules.ignores(path, false)) this.#report(path, 'create')
    }
  }

  #report(path: string, kind: ChangeKind): void {
    const relativePath = relative(this.#options.root, path).split(sep).join('/')
    if (relativePath === '.gitignore') this.#rules.reload()
    this.#buffer.add(relativePath, kind)
  }

  /** The path or one of its folders is ignored (.gitignore's `build/` ignores build/out.js). */
  #ignored(path: string, folder: boolean): boolean {
    const parts = relative(this.#options.root, path).split(sep)
    for (let depth = 1; depth < parts.length; depth++)
      if (this.#rules.ignores(`${this.#options.root}${sep}${parts.slice(0, depth).join(sep)}`, true))
        return true
    return this.#rules.ignores(path, folder)
  }
}
