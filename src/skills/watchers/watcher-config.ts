import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { DEFAULT_CALENDAR_CHECK_EVERY_SEC, DEFAULT_LEAD_MINUTES } from './calendar-defaults.ts'
import { DEFAULT_DEBOUNCE_MS, DEFAULT_MAX_PENDING_PATHS } from './change-buffer.ts'
import {
  DEFAULT_HYSTERESIS,
  DEFAULT_REPORT_EVERY_SEC,
  DEFAULT_SAMPLE_EVERY_SEC,
  DEFAULT_THRESHOLDS,
  SYSTEM_METRICS,
  type SystemMetric,
} from './system-watcher.ts'
import { isTimeZone } from './time-zones.ts'

/** Settings of the filesystem watcher (skill.watcher.filesystem). */
export const FILESYSTEM_KEYS = ['watchPaths', 'debounceMs', 'ignore', 'maxPendingPaths'] as const
/** Settings of the system watcher (skill.watcher.system). */
export const SYSTEM_KEYS = [
  'sampleEverySec',
  'reportEverySec',
  'thresholds',
  'hysteresis',
  'diskPath',
] as const
/** Settings of the calendar watcher (skill.watcher.calendar). */
export const CALENDAR_KEYS = ['calendarPaths', 'leadMinutes', 'checkEverySec', 'timezone'] as const

function positiveNumber(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new HubError('E_VALIDATION', `${name} must be a number > 0, got ${JSON.stringify(value)}`)
  return value
}

function fraction(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1))
    throw new HubError('E_VALIDATION', `${name} must be a fraction in (0, 1], got ${JSON.stringify(value)}`)
  return value
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === ''))
    throw new HubError('E_VALIDATION', `${name} must be a list of non-empty strings`)
  return value as string[]
}

/** `~` is the person's home; a relative path lives in the data directory (like workspace roots). */
export function resolveWatchPath(path: string, dataDir: string, home = homedir()): string {
  if (path === '~') return home
  if (path.startsWith('~/')) return join(home, path.slice(2))
  return isAbsolute(path) ? resolve(path) : resolve(dataDir, path)
}

/** A setting that belongs to the other watcher is refused rather than ignored. */
export function refuseOtherKeys(
  config: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
  which: string,
) {
  const stray = Object.keys(config).filter((key) => !allowed.includes(key))
  if (stray.length > 0)
    throw new HubError(
      'E_VALIDATION',
      `the ${which} watcher has no setting ${stray.join(', ')} (it takes ${allowed.join(', ')})`,
    )
}

export interface FilesystemSettings {
  readonly roots: string[]
  readonly debounceMs: number
  readonly ignore: string[]
  readonly maxPendingPaths: number
}

export function filesystemSettings(
  config: Readonly<Record<string, unknown>>,
  dataDir: string,
  home?: string,
): FilesystemSettings {
  refuseOtherKeys(config, FILESYSTEM_KEYS, 'filesystem')
  const paths = stringList(config.watchPaths, 'watchPaths')
  if (paths.length === 0) throw new HubError('E_VALIDATION', 'watchPaths must name at least one folder')
  return {
    roots: [...new Set(paths.map((path) => resolveWatchPath(path, dataDir, home)))],
    debounceMs: positiveNumber(config.debounceMs, DEFAULT_DEBOUNCE_MS, 'debounceMs'),
    ignore: stringList(config.ignore, 'ignore'),
    maxPendingPaths: Math.floor(
      positiveNumber(config.maxPendingPaths, DEFAULT_MAX_PENDING_PATHS, 'maxPendingPaths'),
    ),
  }
}

export interface SystemSettings {
  readonly sampleEveryMs: number
  readonly reportEveryMs: number
  readonly thresholds: Record<SystemMetric, number>
  readonly hysteresis: number
  readonly diskPath: string
}

export function systemSettings(config: Readonly<Record<string, unknown>>, dataDir: string): SystemSettings {
  refuseOtherKeys(config, SYSTEM_KEYS, 'system')
  const given = (config.thresholds ?? {}) as Record<string, unknown>
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new HubError(
      'E_VALIDATION',
      `thresholds must be a map of ${SYSTEM_METRICS.join(', ')} to fractions`,
    )
  const thresholds = { ...DEFAULT_THRESHOLDS }
  for (const [metric, value] of Object.entries(given)) {
    if (!SYSTEM_METRICS.includes(metric as SystemMetric))
      throw new HubError(
        'E_VALIDATION',
        `thresholds has no metric ${metric} (it knows ${SYSTEM_METRICS.join(', ')})`,
      )
    thresholds[metric as SystemMetric] = fraction(value, `thresholds.${metric}`)
  }
  const hysteresis =
    config.hysteresis === undefined ? DEFAULT_HYSTERESIS : fraction(config.hysteresis, 'hysteresis')
  return {
    sampleEveryMs: positiveNumber(config.sampleEverySec, DEFAULT_SAMPLE_EVERY_SEC, 'sampleEverySec') * 1000,
    reportEveryMs: positiveNumber(config.reportEverySec, DEFAULT_REPORT_EVERY_SEC, 'reportEverySec') * 1000,
    thresholds,
    hysteresis,
    diskPath:
      typeof config.diskPath === 'string' ? resolveWatchPath(config.diskPath, dataDir) : resolve(dataDir),
  }
}

export interface CalendarSettings {
  readonly paths: string[]
  readonly leadMs: number
  readonly checkEveryMs: number
  readonly timezone: string
}

export function calendarSettings(
  config: Readonly<Record<string, unknown>>,
  dataDir: string,
  home?: string,
): CalendarSettings {
  refuseOtherKeys(config, CALENDAR_KEYS, 'calendar')
  const paths = stringList(config.calendarPaths, 'calendarPaths')
  if (paths.length === 0)
    throw new HubError('E_VALIDATION', 'calendarPaths must name at least one .ics file or folder')
  const timezone = config.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone
  if (typeof timezone !== 'string' || !isTimeZone(timezone))
    throw new HubError('E_VALIDATION', `timezone must be an IANA time zone, got ${JSON.stringify(timezone)}`)
  return {
    paths: paths.map((path) => resolveWatchPath(path, dataDir, home)),
    leadMs: positiveNumber(config.leadMinutes, DEFAULT_LEAD_MINUTES, 'leadMinutes') * 60_000,
    checkEveryMs:
      positiveNumber(config.checkEverySec, DEFAULT_CALENDAR_CHECK_EVERY_SEC, 'checkEverySec') * 1000,
    timezone,
  }
}
