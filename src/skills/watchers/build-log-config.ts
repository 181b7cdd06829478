import { join } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { compileFailurePatterns, DEFAULT_BUILD_FAILURE_PATTERNS } from './build-failure-patterns.ts'
import type { BuildLogSource } from './build-log-watcher.ts'
import { DEFAULT_BUILD_LOG_SETTLE_MS } from './build-log-watcher.ts'
import { refuseOtherKeys, resolveWatchPath } from './watcher-config.ts'

/** Settings of the build log watcher (skill.watcher.build). */
export const BUILD_KEYS = ['buildLogs', 'failurePatterns', 'settleMs'] as const
/** Read positions of the followed logs, in the data directory. */
export const DEFAULT_BUILD_LOG_STATE_FILE = 'build-logs.json'

export interface BuildLogSettings {
  readonly sources: BuildLogSource[]
  readonly failurePatterns: RegExp[]
  readonly settleMs: number
  readonly stateFile: string
}

function source(entry: unknown, index: number, dataDir: string, home?: string): BuildLogSource {
  if (typeof entry === 'string' && entry !== '') return { pattern: resolveWatchPath(entry, dataDir, home) }
  const { path, project } = (entry ?? {}) as { path?: unknown; project?: unknown }
  if (typeof entry !== 'object' || typeof path !== 'string' || path === '')
    throw new HubError('E_VALIDATION', `buildLogs[${index}] must be a path (or glob) or {path, project}`)
  if (project !== undefined && (typeof project !== 'string' || project === '' || project.length > 500))
    throw new HubError('E_VALIDATION', `buildLogs[${index}].project must be a name of 1 to 500 characters`)
  const extra = Object.keys(entry as object).filter((key) => key !== 'path' && key !== 'project')
  if (extra.length > 0)
    throw new HubError(
      'E_VALIDATION',
      `buildLogs[${index}] has no setting ${extra.join(', ')} (path, project)`,
    )
  return { pattern: resolveWatchPath(path, dataDir, home), ...(project === undefined ? {} : { project }) }
}

export function buildLogSettings(
  config: Readonly<Record<string, unknown>>,
  dataDir: string,
  home?: string,
): BuildLogSettings {
  refuseOtherKeys(config, BUILD_KEYS, 'build log')
  const logs = config.buildLogs
  if (!Array.isArray(logs) || logs.length === 0)
    throw new HubError('E_VALIDATION', 'buildLogs must name at least one log file or glob')
  const patterns = config.failurePatterns ?? DEFAULT_BUILD_FAILURE_PATTERNS
  if (!Array.isArray(patterns) || patterns.length === 0 || patterns.some((item) => typeof item !== 'string'))
    throw new HubError('E_VALIDATION', 'failurePatterns must be a list of regular expressions (strings)')
  const settleMs = config.settleMs ?? DEFAULT_BUILD_LOG_SETTLE_MS
  if (typeof settleMs !== 'number' || !Number.isFinite(settleMs) || settleMs <= 0)
    throw new HubError('E_VALIDATION', `settleMs must be a number > 0, got ${JSON.stringify(settleMs)}`)
  return {
    sources: logs.map((entry, index) => source(entry, index, dataDir, home)),
    failurePatterns: compileFailurePatterns(patterns as string[]),
    settleMs,
    stateFile: join(dataDir, DEFAULT_BUILD_LOG_STATE_FILE),
  }
}
