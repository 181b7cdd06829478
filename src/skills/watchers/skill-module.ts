import { resolve } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { defineSkill, type OpenedSkill, type SkillContext } from '../../skill-api/index.ts'
import { DEFAULT_STORM_SUMMARY_EVERY_MS, type FileChange } from './change-buffer.ts'
import { DEFAULT_READY_WAIT_MS, DEFAULT_ROOT_CHECK_EVERY_MS, RootWatcher } from './fs-watcher.ts'
import { createSystemSampler } from './system-sampler.ts'
import { SystemWatcher } from './system-watcher.ts'
import { FILESYSTEM_KEYS, filesystemSettings, SYSTEM_KEYS, systemSettings } from './watcher-config.ts'

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
          : { state: 'degraded', reason: `waiting for ${missing.join(', ')} to exist` }
      },
      invoke: async () => undefined,
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
  watcher.start()
  return {
    runtime: { status: () => ({ state: 'ready' }), invoke: async () => undefined },
    close: () => watcher.close(),
  }
}

/**
 * The watchers: one module for skill.watcher.filesystem (provides event.fs.changed) and
 * skill.watcher.system (provides event.system.health); the entry's `provides` says which runs.
 * Each refuses the other's settings, so a misplaced key is an error rather than silence.
 */
export const watchersSkillModule = defineSkill({
  name: 'watchers',
  configKeys: [...FILESYSTEM_KEYS, ...SYSTEM_KEYS],
  async open(context) {
    const provides = context.skill.provides
    const files = provides.includes('event.fs.changed')
    const system = provides.includes('event.system.health')
    if (files === system)
      throw new HubError(
        'E_VALIDATION',
        `${context.skill.id} must provide exactly one of event.fs.changed (filesystem watcher) or event.system.health (system watcher)`,
      )
    return files ? openFilesystem(context) : openSystem(context)
  },
})
