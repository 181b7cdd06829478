import { HubError } from '../contracts/index.ts'

export type SynchronousMode = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'

/**
 * FULL: every commit waits for the WAL to reach the disk, so a power cut loses nothing whose
 * receipt was returned. NORMAL is faster but a power cut (not a process crash) may lose the last
 * commits. See docs/bus.md.
 */
export const DEFAULT_SYNCHRONOUS: SynchronousMode = 'FULL'
/** A group commit closes when this many events wait... */
export const DEFAULT_GROUP_COMMIT_MAX_EVENTS = 1000
/** ...or when the first of them has waited this long. 0 means "at the end of this event-loop turn". */
export const DEFAULT_GROUP_COMMIT_WINDOW_MS = 1
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 30_000
/** Past this size the WAL is checkpointed and truncated (also SQLite's journal_size_limit). */
export const DEFAULT_WAL_LIMIT_BYTES = 64 * 1024 * 1024
export const DEFAULT_BUSY_TIMEOUT_MS = 5000
export const DEFAULT_RETENTION_INTERVAL_MS = 60_000
/** How often other processes' commits (and DLQ retries) are looked for. */
export const DEFAULT_POLL_INTERVAL_MS = 100
/** Recently committed events kept in memory so caught-up consumers need no query. */
export const DEFAULT_RECENT_EVENTS = 4096

/** Limits for one type (or the default for all): the oldest events go first. Age counts from commit. */
export interface RetentionRule {
  maxAgeMs?: number
  maxCount?: number
  maxBytes?: number
}

export interface RetentionPolicy {
  default?: RetentionRule
  types?: Record<string, RetentionRule>
}

export interface EventStoreOptions {
  path: string
  synchronous?: SynchronousMode
  groupCommitMaxEvents?: number
  groupCommitWindowMs?: number
  checkpointIntervalMs?: number
  walLimitBytes?: number
  busyTimeoutMs?: number
  retention?: RetentionPolicy
  retentionIntervalMs?: number
  pollIntervalMs?: number
  recentEvents?: number
  dedupeWindowMs: number
  now?: () => number
}

export type EventStoreSettings = Readonly<
  Required<Omit<EventStoreOptions, 'retention'>> & { retention: RetentionPolicy }
>

function checkRule(where: string, rule: unknown): void {
  if (rule === null || typeof rule !== 'object')
    throw new HubError('E_BAD_REQUEST', `${where} must be an object`)
  for (const [key, value] of Object.entries(rule)) {
    if (!['maxAgeMs', 'maxCount', 'maxBytes'].includes(key)) {
      throw new HubError(
        'E_BAD_REQUEST',
        `${where}.${key} is not a retention limit (maxAgeMs, maxCount, maxBytes)`,
      )
    }
    if (typeof value !== 'number' || !(value >= 0))
      throw new HubError('E_BAD_REQUEST', `${where}.${key} must be a number ≥ 0`)
  }
}

export function eventStoreSettings(options: EventStoreOptions): EventStoreSettings {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
  const settings = {
    synchronous: DEFAULT_SYNCHRONOUS,
    groupCommitMaxEvents: DEFAULT_GROUP_COMMIT_MAX_EVENTS,
    groupCommitWindowMs: DEFAULT_GROUP_COMMIT_WINDOW_MS,
    checkpointIntervalMs: DEFAULT_CHECKPOINT_INTERVAL_MS,
    walLimitBytes: DEFAULT_WAL_LIMIT_BYTES,
    busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS,
    retention: {},
    retentionIntervalMs: DEFAULT_RETENTION_INTERVAL_MS,
    pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
    recentEvents: DEFAULT_RECENT_EVENTS,
    now: Date.now,
    ...defined,
  } as EventStoreSettings
  if (typeof settings.path !== 'string' || settings.path.length === 0)
    throw new HubError('E_BAD_REQUEST', 'path is required')
  if (!['OFF', 'NORMAL', 'FULL', 'EXTRA'].includes(settings.synchronous)) {
    throw new HubError(
      'E_BAD_REQUEST',
      `synchronous must be OFF, NORMAL, FULL or EXTRA, got ${settings.synchronous}`,
    )
  }
  for (const key of [
    'groupCommitMaxEvents',
    'checkpointIntervalMs',
    'walLimitBytes',
    'retentionIntervalMs',
    'pollIntervalMs',
    'dedupeWindowMs',
  ] as const) {
    if (!(settings[key] > 0))
      throw new HubError('E_BAD_REQUEST', `${key} must be positive, got ${settings[key]}`)
  }
  for (const key of ['groupCommitWindowMs', 'busyTimeoutMs', 'recentEvents'] as const) {
    if (!(settings[key] >= 0)) throw new HubError('E_BAD_REQUEST', `${key} must be ≥ 0, got ${settings[key]}`)
  }
  if (settings.retention.default !== undefined) checkRule('retention.default', settings.retention.default)
  for (const [type, rule] of Object.entries(settings.retention.types ?? {}))
    checkRule(`retention.types.${type}`, rule)
  return Object.freeze(settings)
}
