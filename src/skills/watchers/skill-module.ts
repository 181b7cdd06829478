import { resolve } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { defineSkill, type OpenedSkill, type SkillContext } from '../../skill-api/index.ts'
import { BUILD_KEYS, buildLogSettings } from './build-log-config.ts'
import { BuildLogWatcher } from './build-log-watcher.ts'
import { DEFAULT_CALENDAR_START_DELAY_MS } from './calendar-defaults.ts'
import { DEFAULT_STORM_SUMMARY_EVERY_MS, type FileChange } from './change-buffer.ts'
import { DEFAULT_READY_WAIT_MS, DEFAULT_ROOT_CHECK_EVERY_MS, RootWatcher } from './fs-watcher.ts'
import { createSystemSampler } from './system-sampler.ts'
import { type SystemMetric, SystemWatcher } from './system-watcher.ts'
import {
  CALENDAR_KEYS,
  calendarSettings,
  FILESYSTEM_KEYS,
  filesystemSettings,
  SYSTEM_KEYS,
  systemSettings,
} from './watcher-config.ts'

/** What the system thresholds and the build log entries hold (checked when the manifest loads). */
const WATCHER_CONFIG_SHAPE = {
  thresholds: { cpu: true, ram: true, disk: true, vram: true } satisfies Record<SystemMetric, true>,
  // A log is a path (or glob) or {path, project}.
  buildLogs: [{ path: true, project: true }],
} as const

async function openFilesystem(context: SkillContext): Promise<OpenedSkill> {
  const settings = filesystemSettings(context.config, context.dataDir, context.env.HOME)
  const publish = (change: FileChange, root: string) => {
    context.bus
      .publish({
        type: 'event.fs.changed',
        payload: { path: change.path, kind: change.kind, ts: change.ts },
        meta: { root, ...(change.summary === undefined ? {} : { summary: change.summary }) },
      })
      .catch((error: Error) =>
        context.logger.warn('could not publish a file change', { error: error.message }),
      )
  }
  const watchers = settings.roots.map(
    (root) =>
      new RootWatcher({
        root,
        clock: context.clock,
        debounceMs: settings.debounceMs,
        maxPendingPaths: settings.maxPendingPaths,
        stormSummaryEveryMs: DEFAULT_STORM_SUMMARY_EVERY_MS,
        ignorePatterns: settings.ignore,
        excludedFolders: [resolve(context.dataDir)],
        rootCheckEveryMs: DEFAULT_ROOT_CHECK_EVERY_MS,
        logger: context.logger,
        emit: publish,
      }),
  )
  // Wait for the first scans, bounded: a huge tree is watched as soon as it is scanned.
  let waited: unknown
  await Promise.race([
    Promise.all(watchers.map((watcher) => watcher.start())),
    new Promise<void>((done) => {
      waited = setTimeout(done, DEFAULT_READY_WAIT_MS)
    }),
  ])
  clearTimeout(waited as NodeJS.Timeout)
  return {
    runtime: {
      status: () => {
        const missing = settings.roots.filter((_root, index) => !watchers[index]!.watching)
        return missing.length === 0
          ? { state: 'ready' }
          : {
              state: 'degraded',
              reason: `not watching ${missing.join(', ')} yet: missing, or its first scan is running`,
            }
      },
    },
    async close() {
      await Promise.all(watchers.map((watcher) => watcher.close()))
    },
  }
}

function openSystem(context: SkillContext): OpenedSkill {
  const settings = systemSettings(context.config, context.dataDir)
  const watcher = new SystemWatcher({
    clock: context.clock,
    sampleEveryMs: settings.sampleEveryMs,
    reportEveryMs: settings.reportEveryMs,
    thresholds: settings.thresholds,
    hysteresis: settings.hysteresis,
    sample: createSystemSampler(settings.diskPath),
    logger: context.logger,
    publish: async (report) => {
      await context.bus.publish({
        type: 'event.system.health',
        payload: report.payload,
        severity: report.severity,
      })
    },
  })
  // The first sample comes a sample interval after open: the cpu share needs an interval to
  // measure, and the hub's pipelines are subscribed by then (a report during open would reach none).
  watcher.start(settings.sampleEveryMs)
  return {
    runtime: { status: () => ({ state: 'ready' }) },
    close: () => watcher.close(),
  }
}

async function openCalendar(context: SkillContext): Promise<OpenedSkill> {
  // ical.js (~2 MB of memory) loads with a calendar skill, not with every watcher (decision 1711).
  const { CalendarWatcher } = await import('./calendar-watcher.ts')
  const settings = calendarSettings(context.config, context.dataDir, context.env.HOME)
  const watcher = new CalendarWatcher({
    clock: context.clock,
    paths: settings.paths,
    leadMs: settings.leadMs,
    checkEveryMs: settings.checkEveryMs,
    defaultZone: settings.timezone,
    logger: context.logger,
    publish: async (occurrence, change, calendar) => {
      await context.bus.publish({
        type: 'calendar.event',
        // A restart announces nothing twice: the bus drops a repeated key.
        idempotencyKey: `calendar:${change}:${calendar}:${occurrence.eventId}`,
        payload: {
          eventId: occurrence.eventId,
          change,
          title: occurrence.title,
          startsAt: new Date(occurrence.startsAt).toISOString(),
          endsAt: new Date(occurrence.endsAt).toISOString(),
          calendar: calendar.slice(0, 200),
          ...(occurrence.location === undefined ? {} : { location: occurrence.location.slice(0, 500) }),
        },
      })
    },
  })
  // Skills open before the hub subscribes its pipelines (from new): an item announced during open
  // would reach no pipeline.
  watcher.start(DEFAULT_CALENDAR_START_DELAY_MS)
  return {
    runtime: { status: () => ({ state: 'ready' }) },
    close: () => watcher.close(),
  }
}

async function openBuildLogs(context: SkillContext): Promise<OpenedSkill> {
  const settings = buildLogSettings(context.config, context.dataDir, context.env.HOME)
  const watcher = new BuildLogWatcher({
    ...settings,
    clock: context.clock,
    logger: context.logger,
    publish: async (failure) => {
      await context.bus.publish({
        type: 'event.git.build_failed',
        // A failure judged again after a crash (before its position was kept) is dropped by the bus.
        idempotencyKey: `build-log:${failure.key}`,
        payload: { project: failure.project, logPath: failure.logPath, exitCode: failure.exitCode },
      })
    },
  })
  await watcher.start()
  return {
    runtime: { status: () => ({ state: 'ready' }) },
    close: () => watcher.close(),
  }
}

/** What each watcher publishes; an entry provides exactly one of them. */
const WATCHED_SIGNALS = [
  'event.fs.changed',
  'event.system.health',
  'calendar.event',
  'event.git.build_failed',
] as const

/**
 * The watchers: one module for skill.watcher.filesystem (provides event.fs.changed),
 * skill.watcher.system (event.system.health), skill.watcher.calendar (calendar.event) and
 * skill.watcher.build (event.git.build_failed from build logs); the
 * entry's `provides` says which runs.
 * Each refuses the other's settings, so a misplaced key is an error rather than silence.
 */
export const watchersSkillModule = defineSkill({
  name: 'watchers',
  configKeys: [...FILESYSTEM_KEYS, ...SYSTEM_KEYS, ...CALENDAR_KEYS, ...BUILD_KEYS],
  configShape: WATCHER_CONFIG_SHAPE,
  async open(context) {
    const provided = WATCHED_SIGNALS.filter((type) => context.skill.provides.includes(type))
    if (provided.length !== 1)
      throw new HubError(
        'E_VALIDATION',
        `${context.skill.id} must provide exactly one of event.fs.changed (filesystem watcher), event.system.health (system watcher), calendar.event (calendar watcher) or event.git.build_failed (build log watcher)`,
      )
    if (provided[0] === 'event.fs.changed') return openFilesystem(context)
    if (provided[0] === 'event.git.build_failed') return openBuildLogs(context)
    return provided[0] === 'event.system.health' ? openSystem(context) : openCalendar(context)
  },
})
