import { join } from 'node:path'
import { HubError } from '../contracts/index.ts'
import type { LedgerEntry } from './ledger-types.ts'

export const LEDGER_FILE_NAME = 'ledger.sqlite'
export const KEYS_DIR_NAME = 'keys'
export const DEFAULT_CHECKPOINT_EVERY_ENTRIES = 64
export const DEFAULT_CHECKPOINT_EVERY_MS = 60_000
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000
export const DEFAULT_SHOW_LIMIT = 100
export const MAX_SHOW_LIMIT = 10_000

export interface LedgerClock {
  now(): number
}

export interface LedgerOptions {
  /** The hub's data directory; the ledger file and keys live under it unless named below. */
  dataDir?: string
  path?: string
  keysDir?: string
  clock?: LedgerClock
  /** Called after commit with each new entry (the `ledger.entry` event's payload). */
  publish?: (entry: LedgerEntry) => unknown
  onPublishError?: (error: unknown, entry: LedgerEntry) => void
  /** Sign a checkpoint when this many entries follow the last one (1 = every entry). */
  checkpointEveryEntries?: number
  /** ...or when the last checkpoint is older than this (checked on append; 0 = never by time). */
  checkpointEveryMs?: number
  /** SQLite synchronous mode; FULL makes every committed entry survive power loss. */
  synchronous?: 'FULL' | 'NORMAL'
  busyTimeoutMs?: number
}

export interface LedgerSettings {
  path: string
  keysDir: string
  clock: LedgerClock
  publish: ((entry: LedgerEntry) => unknown) | undefined
  onPublishError: ((error: unknown, entry: LedgerEntry) => void) | undefined
  checkpointEveryEntries: number
  checkpointEveryMs: number
  synchronous: 'FULL' | 'NORMAL'
  busyTimeoutMs: number
}

const systemClock: LedgerClock = { now: () => Date.now() }

export function resolveLedgerSettings(options: LedgerOptions): Readonly<LedgerSettings> {
  const dataDir = options.dataDir ?? 'data'
  const settings: LedgerSettings = {
    path: options.path ?? join(dataDir, LEDGER_FILE_NAME),
    keysDir: options.keysDir ?? join(dataDir, KEYS_DIR_NAME),
    clock: options.clock ?? systemClock,
    publish: options.publish,
    onPublishError: options.onPublishError,
    checkpointEveryEntries: options.checkpointEveryEntries ?? DEFAULT_CHECKPOINT_EVERY_ENTRIES,
    checkpointEveryMs: options.checkpointEveryMs ?? DEFAULT_CHECKPOINT_EVERY_MS,
    synchronous: options.synchronous ?? 'FULL',
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
  }
  if (!Number.isInteger(settings.checkpointEveryEntries) || settings.checkpointEveryEntries < 1) {
    throw new HubError('E_BAD_REQUEST', 'checkpointEveryEntries must be an integer >= 1')
  }
  if (!Number.isFinite(settings.checkpointEveryMs) || settings.checkpointEveryMs < 0) {
    throw new HubError('E_BAD_REQUEST', 'checkpointEveryMs must be a number >= 0')
  }
  if (settings.synchronous !== 'FULL' && settings.synchronous !== 'NORMAL') {
    throw new HubError('E_BAD_REQUEST', "synchronous must be 'FULL' or 'NORMAL'")
  }
  return Object.freeze(settings)
}
