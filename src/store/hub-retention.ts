import type { BusClient, DeadLetterEntry, DeadLetterQuery } from '../bus/index.ts'
import { HubError, toHubError } from '../contracts/index.ts'
import { type CompactionReport, compactLog } from './log-compaction.ts'
import { openDatabase, type SqliteDatabase } from './open-database.ts'
import { DEFAULT_RETENTION_INTERVAL_MS, eventStoreSettings } from './store-options.ts'

// The manifest's `retention` section applied to the hub's stores (docs/decisions/1401): old
// events leave the SQLite log, old dead letters leave the DLQ, old memories leave memory.sqlite,
// and every pass that deleted something is published as store.retention.applied.

export const MILLISECONDS_PER_DAY = 24 * 60 * 60 * 1000
/** The bus's default dedupe window: ids of events deleted younger than this stay deduped. */
export const DEFAULT_RETENTION_DEDUPE_WINDOW_MS = MILLISECONDS_PER_DAY
/** Dead letters looked at per pass; the rest wait for the next one. */
export const DEFAULT_RETENTION_MAX_DEAD_LETTERS = 100_000

/** One store's rule, as the manifest writes it (days, not milliseconds). */
export interface RetentionLimit {
  maxAgeDays?: number
  /** For events: per event type, so a flood of one type never pushes out rare ones. */
  maxCount?: number
  /** Events only: the log's used size in bytes; the oldest events go first (decision 1612). */
  maxBytes?: number
  /** Nothing is deleted automatically. */
  userControlled?: boolean
}

/** The manifest's `retention` section (memory is applied through the memory store's own age rule). */
export interface RetentionRules {
  events?: RetentionLimit
  deadLetters?: RetentionLimit
  memory?: RetentionLimit
}

/** What retention acts on; each part is optional, so a memory-transport hub passes no events file. */
export interface RetentionTargets {
  /** The bus: dead letters are listed and purged through it, and the outcome is published on it. */
  bus?: Pick<BusClient, 'publish'> & {
    readonly dlq: {
      list(query?: DeadLetterQuery): Promise<DeadLetterEntry[]>
      purge(query: DeadLetterQuery): Promise<DeadLetterEntry[]>
    }
  }
  /** The SQLite event log (`<data>/events.sqlite`); another connection to it is opened for deletes. */
  eventsPath?: string
  /** The memory store, opened with `retentionDays` = retention.memory.maxAgeDays. */
  memory?: { applyRetention(): { episodes: number; facts: number } }
  dedupeWindowMs?: number
  /** Traces the ledger or an open approval references: their events are never deleted. */
  keepTraceIds?: () => Iterable<string> | Promise<Iterable<string>>
}

/** What started a pass: the periodic runner, or `localhub events compact`. */
export type RetentionTrigger = 'schedule' | 'compact'

export interface StoreOutcome {
  store: 'events' | 'deadLetters' | 'memory'
  deleted: number
  maxAgeDays?: number
  maxCount?: number
}

export interface RetentionOutcome {
  stores: StoreOutcome[]
  deleted: number
  appliedAt: string
  /** The event log's pass (absent when no events rule acts on a file here). */
  log?: CompactionReport
}

function acts(limit: RetentionLimit | undefined): limit is RetentionLimit {
  return (
    limit !== undefined &&
    limit.userControlled !== true &&
    (limit.maxAgeDays !== undefined || limit.maxCount !== undefined || limit.maxBytes !== undefined)
  )
}

function checkLimit(name: string, limit: RetentionLimit | undefined): void {
  if (limit === undefined) return
  if (name !== 'events' && limit.maxBytes !== undefined)
    throw new HubError(
      'E_BAD_REQUEST',
      `retention.${name}.maxBytes is not applied: a size cap is for the event log`,
    )
  for (const key of ['maxAgeDays', 'maxCount', 'maxBytes'] as const) {
    const value = limit[key]
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new HubError(
        'E_BAD_REQUEST',
        `retention.${name}.${key} must be a number ≥ 0, got ${String(value)}`,
      )
    }
  }
}

function limitFields(limit: RetentionLimit): Pick<StoreOutcome, 'maxAgeDays' | 'maxCount'> {
  return {
    ...(limit.maxAgeDays === undefined ? {} : { maxAgeDays: limit.maxAgeDays }),
    ...(limit.maxCount === undefined ? {} : { maxCount: limit.maxCount }),
  }
}

function openEventsDatabase(path: string, dedupeWindowMs: number): SqliteDatabase {
  // A second connection to the log is how other processes share it too (docs/bus.md): the bus's
  // own connection notices the deletes through PRAGMA data_version.
  return openDatabase(eventStoreSettings({ path, dedupeWindowMs }))
}

async function compactEvents(
  db: SqliteDatabase,
  limit: RetentionLimit,
  now: number,
  targets: RetentionTargets,
  dedupeWindowMs: number,
  signal: AbortSignal | undefined,
): Promise<CompactionReport> {
  const keepTraceIds = targets.keepTraceIds === undefined ? undefined : await targets.keepTraceIds()
  return compactLog(
    db,
    {
      ...(limit.maxAgeDays === undefined ? {} : { maxAgeMs: limit.maxAgeDays * MILLISECONDS_PER_DAY }),
      ...(limit.maxCount === undefined ? {} : { maxCount: limit.maxCount }),
      ...(limit.maxBytes === undefined ? {} : { maxBytes: limit.maxBytes }),
    },
    {
      now,
      dedupeWindowMs,
      ...(keepTraceIds === undefined ? {} : { keepTraceIds }),
      ...(signal === undefined ? {} : { signal }),
    },
  )
}

async function purgeDeadLetters(
  bus: NonNullable<RetentionTargets['bus']>,
  limit: RetentionLimit,
  now: number,
): Promise<number> {
  const entries = await bus.dlq.list({ limit: DEFAULT_RETENTION_MAX_DEAD_LETTERS })
  const newestFirst = [...entries].sort((a, b) => b.dlqId - a.dlqId)
  const cutoff = limit.maxAgeDays === undefined ? undefined : now - limit.maxAgeDays * MILLISECONDS_PER_DAY
  const ids = newestFirst
    .filter(
      (entry, index) =>
        (cutoff !== undefined && Date.parse(entry.movedAt) < cutoff) ||
        (limit.maxCount !== undefined && index >= limit.maxCount),
    )
    .map((entry) => entry.dlqId)
  if (ids.length === 0) return 0
  return (await bus.dlq.purge({ ids })).length
}

/** The session that applies rules to targets; `run(now)` is one pass. */
function retentionPass(targets: RetentionTargets, rules: RetentionRules) {
  checkLimit('events', rules.events)
  checkLimit('deadLetters', rules.deadLetters)
  checkLimit('memory', rules.memory)
  const dedupeWindowMs = targets.dedupeWindowMs ?? DEFAULT_RETENTION_DEDUPE_WINDOW_MS
  let db: SqliteDatabase | undefined
  return {
    async run(
      now: number,
      trigger: RetentionTrigger = 'schedule',
      signal?: AbortSignal,
    ): Promise<RetentionOutcome> {
      const stores: StoreOutcome[] = []
      let log: CompactionReport | undefined
      if (acts(rules.events) && targets.eventsPath !== undefined) {
        db ??= openEventsDatabase(targets.eventsPath, dedupeWindowMs)
        log = await compactEvents(db, rules.events, now, targets, dedupeWindowMs, signal)
        stores.push({ store: 'events', deleted: log.deleted, ...limitFields(rules.events) })
      }
      if (acts(rules.deadLetters) && targets.bus !== undefined) {
        stores.push({
          store: 'deadLetters',
          deleted: await purgeDeadLetters(targets.bus, rules.deadLetters, now),
          ...limitFields(rules.deadLetters),
        })
      }
      if (acts(rules.memory) && targets.memory !== undefined) {
        const { episodes, facts } = targets.memory.applyRetention()
        stores.push({ store: 'memory', deleted: episodes + facts, ...limitFields(rules.memory) })
      }
      const deleted = stores.reduce((sum, store) => sum + store.deleted, 0)
      const appliedAt = new Date(now).toISOString()
      const outcome: RetentionOutcome = { stores, deleted, appliedAt, ...(log === undefined ? {} : { log }) }
      if (deleted > 0 && targets.bus !== undefined) {
        await targets.bus.publish({
          type: 'store.retention.applied',
          source: 'kernel.retention',
          payload: { stores: stores.filter((store) => store.deleted > 0), deleted, appliedAt },
        })
      }
      if (log !== undefined && targets.bus !== undefined && (log.deleted > 0 || trigger === 'compact')) {
        await targets.bus.publish({
          type: 'store.log.compacted',
          source: 'kernel.retention',
          payload: {
            trigger,
            ...log,
            ...limitFields(rules.events!),
            ...(rules.events?.maxBytes === undefined ? {} : { maxBytes: rules.events.maxBytes }),
            completedAt: new Date().toISOString(),
          },
        })
      }
      return outcome
    },
    close() {
      db?.close()
      db = undefined
    },
  }
}

/**
 * One retention pass at `now` (Unix ms): deletes what the rules say is too old or too many and
 * publishes store.retention.applied when anything went.
 */
export async function applyRetention(
  targets: RetentionTargets,
  rules: RetentionRules,
  now: number,
  trigger: RetentionTrigger = 'schedule',
): Promise<RetentionOutcome> {
  const pass = retentionPass(targets, rules)
  try {
    return await pass.run(now, trigger)
  } finally {
    pass.close()
  }
}

export interface RetentionRunnerOptions {
  intervalMs?: number
  now?: () => number
  onError?: (error: HubError) => void
}

export interface RetentionRunner {
  /** A pass now (also what the timer does); passes never overlap. */
  runNow(): Promise<RetentionOutcome>
  /** Stops the timer, waits for a running pass and closes the log connection. */
  stop(): Promise<void>
}

/** Runs a pass at once and then every intervalMs (DEFAULT_RETENTION_INTERVAL_MS) until stopped. */
export function startRetention(
  targets: RetentionTargets,
  rules: RetentionRules,
  options: RetentionRunnerOptions = {},
): RetentionRunner {
  const intervalMs = options.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS
  if (!(Number.isInteger(intervalMs) && intervalMs > 0))
    throw new HubError('E_BAD_REQUEST', `intervalMs must be a positive integer, got ${intervalMs}`)
  const now = options.now ?? Date.now
  const pass = retentionPass(targets, rules)
  let running: Promise<RetentionOutcome> | undefined
  let stopped = false
  // stop() ends a long pass between two batches instead of waiting for it.
  const stopping = new AbortController()
  const runNow = (): Promise<RetentionOutcome> => {
    if (stopped) return Promise.reject(new HubError('E_BAD_REQUEST', 'retention was stopped'))
    running ??= pass.run(now(), 'schedule', stopping.signal).finally(() => {
      running = undefined
    })
    return running
  }
  const tick = () => {
    runNow().catch((error: unknown) => options.onError?.(toHubError(error)))
  }
  const timer = setInterval(tick, intervalMs)
  timer.unref()
  tick()
  return {
    runNow,
    async stop() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      stopping.abort()
      await running?.catch(() => undefined)
      pass.close()
    },
  }
}
