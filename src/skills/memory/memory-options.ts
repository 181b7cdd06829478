import { HubError, type ValidationIssue } from '../../contracts/index.ts'

/** Items of each kind (facts, summaries) readContext returns at most, unless told otherwise. */
export const DEFAULT_CONTEXT_LIMIT = 8
/** Characters of fact and summary text readContext returns at most (about 500 tokens). */
export const DEFAULT_CONTEXT_MAX_CHARS = 2000
/** The current session's latest episodes always compete for the context, relevant or not. */
export const DEFAULT_RECENT_EPISODES = 10
/**
 * The lexical rankings of a context read score only the newest this many rows (episodes, facts)
 * that match the query, so their cost stops growing with the store: each scored row costs a BM25
 * evaluation (~1 µs) and a common word (a greeting) matches nearly every episode (decision 1756).
 * With fewer matches than this the answer is the same as scoring all of them.
 */
export const DEFAULT_LEXICAL_WINDOW = 100
export const DEFAULT_LIST_LIMIT = 50
export const MAX_LIST_LIMIT = 1000
/** Longer user or assistant texts are cut before storing (the store is not an archive). */
export const DEFAULT_MAX_TEXT_CHARS = 20_000
/** How often recordTurn sweeps expired memories when retentionDays is set. */
export const DEFAULT_RETENTION_SWEEP_INTERVAL_MS = 60 * 60 * 1000
export const MILLISECONDS_PER_DAY = 24 * 60 * 60 * 1000
export const MAX_SESSION_ID_CHARS = 256

/** Milliseconds since the epoch; tests pass a fake one. */
export type Clock = () => number

export interface MemoryStoreOptions {
  /** The SQLite file, normally `<data>/memory.sqlite`. ':memory:' works for tests. */
  path: string
  clock?: Clock
  /** Episodes and facts older than this many days are deleted. Undefined: kept until the user deletes them. */
  retentionDays?: number
  maxTextChars?: number
  retentionSweepIntervalMs?: number
  /** Newest matching rows a context read scores by BM25 (DEFAULT_LEXICAL_WINDOW). */
  lexicalWindow?: number
  /**
   * Leave out of the episode match the query words most episodes hold, and score every match of
   * its rare words (decision 2101). `false` matches every word as before, for comparison.
   */
  leaveOutCommonTerms?: boolean
}

export interface MemoryConfig {
  readonly path: string
  readonly clock: Clock
  readonly retentionDays: number | undefined
  readonly maxTextChars: number
  readonly retentionSweepIntervalMs: number
  readonly lexicalWindow: number
  readonly leaveOutCommonTerms: boolean
}

export function resolveMemoryConfig(options: MemoryStoreOptions): MemoryConfig {
  const config = {
    clock: Date.now,
    retentionDays: undefined,
    maxTextChars: DEFAULT_MAX_TEXT_CHARS,
    retentionSweepIntervalMs: DEFAULT_RETENTION_SWEEP_INTERVAL_MS,
    lexicalWindow: DEFAULT_LEXICAL_WINDOW,
    leaveOutCommonTerms: true,
    ...options,
  }
  const issues: ValidationIssue[] = []
  const problem = (path: string, expected: string, got: unknown): void => {
    issues.push({ path, expected, got: String(got), message: `${path.slice(1)} must be ${expected}` })
  }
  if (typeof config.path !== 'string' || config.path === '') problem('/path', 'a file path', config.path)
  if (typeof config.clock !== 'function') problem('/clock', 'a function returning milliseconds', config.clock)
  if (
    config.retentionDays !== undefined &&
    (typeof config.retentionDays !== 'number' ||
      !(config.retentionDays > 0) ||
      !Number.isFinite(config.retentionDays))
  ) {
    problem('/retentionDays', 'a positive number of days', config.retentionDays)
  }
  if (!Number.isInteger(config.maxTextChars) || config.maxTextChars < 100) {
    problem('/maxTextChars', 'an integer >= 100', config.maxTextChars)
  }
  if (!Number.isInteger(config.retentionSweepIntervalMs) || config.retentionSweepIntervalMs < 0) {
    problem('/retentionSweepIntervalMs', 'an integer >= 0', config.retentionSweepIntervalMs)
  }
  if (!Number.isInteger(config.lexicalWindow) || config.lexicalWindow < 1) {
    problem('/lexicalWindow', 'an integer >= 1', config.lexicalWindow)
  }
  if (typeof config.leaveOutCommonTerms !== 'boolean') {
    problem('/leaveOutCommonTerms', 'true or false', config.leaveOutCommonTerms)
  }
  if (issues.length > 0) {
    throw new HubError(
      'E_VALIDATION',
      `invalid memory store options: ${issues.map((i) => i.message).join('; ')}`,
      {
        details: { issues },
      },
    )
  }
  return Object.freeze(config)
}
