import type { Bus, Clock, PermissionChecker, Subscription } from '../../bus/index.ts'
import { HubError, toHubError } from '../../contracts/index.ts'
import type { HubManifest } from '../../manifest/index.ts'
import type {
  Condition,
  MetricsSink,
  OpenedSkill,
  RunEmitter,
  RunState,
  SkillHealth,
  SkillLogger,
  SkillRoutes,
  SkillRuntime,
  SkillServices,
  StepContext,
} from '../../skill-api/index.ts'
import { SERVICE_NAMES } from '../../skill-api/index.ts'
import type { ResolvedSkill } from './resolve-skill-module.ts'
import { skillLifecyclePort } from './skill-lifecycle.ts'

/** How long one skill may take to close before the host moves on to the next, in milliseconds. */
export const DEFAULT_SKILL_CLOSE_TIMEOUT_MS = 5_000

export interface SkillReportEntry {
  id: string
  status: SkillHealth['state']
  reason?: string
  /** False for a skill the manifest disables: not a failure. */
  enabled: boolean
}

export interface SkillHostOptions {
  manifest: HubManifest
  resolved: readonly ResolvedSkill[]
  bus: Bus
  /** Checks a skill's publishes inside runs against the same rights the bus enforces. */
  permissions: PermissionChecker
  dataDir: string
  env: Readonly<Record<string, string | undefined>>
  clock: Clock
  metrics: MetricsSink
  logger: SkillLogger
  services: SkillServices
  /** Command-line settings by module name. */
  overrides?: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  closeTimeoutMs?: number
}

interface HostedSkill {
  readonly id: string
  readonly enabled: boolean
  readonly consumes: readonly string[]
  opened?: OpenedSkill
  subscriptions: Subscription[]
  health: () => SkillHealth
}

export interface SkillHost {
  readonly runtimes: ReadonlyMap<string, SkillRuntime>
  readonly conditions: Readonly<Record<string, Condition>>
  readonly routes: readonly SkillRoutes[]
  emitterFor(skillId: string, emitter: RunEmitter): RunEmitter
  beforeEmit(type: string, context: { run: RunState; emitter: RunEmitter }): Promise<void>
  report(): SkillReportEntry[]
  /**
   * Whether a skill reports its own skill.started / skill.failed (a stdio host, from its first start
   * on): a skill.failed of the boot for it, when it is not ready, repeats one it already published.
   */
  reportsItself(skillId: string): boolean
  /** Closes the skills in reverse opening order; one that fails or hangs does not stop the rest. */
  close(): Promise<void>
}

function scopedLogger(logger: SkillLogger, skillId: string): SkillLogger {
  return {
    info: (message, fields) => logger.info(message, { skill: skillId, ...fields }),
    warn: (message, fields) => logger.warn(message, { skill: skillId, ...fields }),
    error: (message, fields) => logger.error(message, { skill: skillId, ...fields }),
  }
}

function withTimeout(work: Promise<unknown>, milliseconds: number, what: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new HubError('E_TIMEOUT', `${what} took longer than ${milliseconds} ms`)),
      milliseconds,
    )
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Opens every skill of the manifest in order, the same way for each: a context with its own bus
 * principal, config, clock, logger, metrics and data dir; its subscriptions made as that principal;
 * its health tracked. A skill that fails to open is reported failed and the hub goes on degraded.
 */
export async function openSkillHost(options: SkillHostOptions): Promise<SkillHost> {
  const closing = new AbortController()
  const hosted: HostedSkill[] = []
  const runtimes = new Map<string, SkillRuntime>()
  const conditions: Record<string, Condition> = {}
  const routes: SkillRoutes[] = []
  // Skills whose process starts and restarts by itself (stdio hosts) publish skill.started /
  // skill.failed here, from their first start on.
  const lifecycle = skillLifecyclePort(
    options.bus,
    options.resolved.map((entry) => entry.skill),
  )
  if (options.services.get(SERVICE_NAMES.skillLifecycle) === undefined)
    options.services.provide(SERVICE_NAMES.skillLifecycle, lifecycle)

  for (const entry of options.resolved) {
    const { skill } = entry
    if (entry.kind !== 'module') {
      const health: SkillHealth =
        entry.kind === 'disabled'
          ? { state: 'unavailable', reason: 'disabled in the manifest' }
          : { state: 'unavailable', reason: entry.reason }
      hosted.push({
        id: skill.id,
        enabled: entry.kind !== 'disabled',
        consumes: [],
        subscriptions: [],
        health: () => health,
      })
      runtimes.set(skill.id, { id: skill.id, status: () => health, invoke: async () => undefined })
      continue
    }
    const host: HostedSkill = {
      id: skill.id,
      enabled: true,
      consumes: skill.consumes,
      subscriptions: [],
      health: () => ({ state: 'unavailable', reason: 'opening' }),
    }
    hosted.push(host)
    const started = performance.now()
    try {
      const opened = await entry.module.open({
        skill,
        manifest: options.manifest,
        config: Object.freeze({ ...(skill.config ?? {}) }),
        bus: options.bus.as(skill.id),
        clock: options.clock,
        logger: scopedLogger(options.logger, skill.id),
        metrics: options.metrics,
        dataDir: options.dataDir,
        env: options.env,
        overrides: options.overrides?.[entry.module.name] ?? {},
        services: options.services,
        signal: closing.signal,
      })
      host.opened = opened
      const runtime = opened.runtime
      host.health = runtime === undefined ? () => ({ state: 'ready' }) : () => runtime.status()
      runtimes.set(skill.id, {
        id: skill.id,
        status: host.health,
        ...(runtime?.readsAnswerStream === true ? { readsAnswerStream: true } : {}),
        invoke:
          runtime?.invoke ??
          (async () => {
            throw new HubError('E_BAD_REQUEST', `skill ${skill.id} has no step to call`)
          }),
      })
      for (const [name, condition] of Object.entries(opened.conditions ?? {})) conditions[name] = condition
      routes.push(...(opened.routes ?? []))
      for (const subscription of opened.subscriptions ?? []) {
        host.subscriptions.push(
          await options.bus
            .as(skill.id)
            .subscribe(subscription.pattern, subscription.handler, subscription.options),
        )
      }
      // A module that reported its own start or stop while opening (a stdio host: its pid once its
      // manifest synced, or its failure) is not reported up again here.
      if (!lifecycle.reportsItself(skill.id))
        await options.bus.publish({
          type: 'skill.started',
          source: 'kernel',
          payload: {
            skillId: skill.id,
            version: skill.version,
            transport: skill.transport?.type ?? 'inproc',
            pid: process.pid,
            startMs: Math.round(performance.now() - started),
          },
        })
    } catch (error) {
      const failure = toHubError(error)
      const health: SkillHealth = { state: 'failed', reason: `${failure.code}: ${failure.message}` }
      host.health = () => health
      runtimes.set(skill.id, { id: skill.id, status: () => health, invoke: async () => undefined })
      options.logger.error('skill failed to open', {
        skill: skill.id,
        code: failure.code,
        message: failure.message,
      })
      // What it opened before failing is closed now; the hub goes on without it.
      for (const subscription of host.subscriptions) await subscription.unsubscribe().catch(() => undefined)
      host.subscriptions = []
      await Promise.resolve(host.opened?.close?.()).catch(() => undefined)
      host.opened = undefined
    }
  }

  const consumersOf = (type: string) =>
    hosted.filter((host) => host.opened?.beforeEmit !== undefined && host.consumes.includes(type))

  const emitterFor = (skillId: string, emitter: RunEmitter): RunEmitter => {
    const emitUntyped: RunEmitter['emitUntyped'] = (type, payload, emitOptions = {}) => {
      try {
        options.permissions.checkPublish(skillId, type)
      } catch (error) {
        return Promise.reject(error)
      }
      return emitter.emitUntyped(type, payload, { source: skillId, ...emitOptions })
    }
    return {
      emit: (type, payload, emitOptions) =>
        emitUntyped(type, payload as Record<string, unknown>, emitOptions),
      emitUntyped,
    }
  }

  return {
    runtimes,
    conditions,
    routes,
    emitterFor,
    async beforeEmit(type, context) {
      for (const host of consumersOf(type)) {
        const step: Omit<StepContext, 'step'> = {
          run: context.run,
          pipeline: { id: context.run.pipelineId, steps: [] },
          emitter: emitterFor(host.id, context.emitter),
          signal: closing.signal,
          metrics: options.metrics,
          onPart: () => undefined,
        }
        await host.opened!.beforeEmit!(type, step)
      }
    },
    reportsItself: (skillId) => lifecycle.reportsItself(skillId),
    report: () =>
      hosted.map((host) => {
        const health = host.health()
        return {
          id: host.id,
          status: health.state,
          ...(health.reason === undefined ? {} : { reason: health.reason }),
          enabled: host.enabled,
        }
      }),
    async close() {
      closing.abort()
      for (const host of [...hosted].reverse()) {
        for (const subscription of host.subscriptions) await subscription.unsubscribe().catch(() => undefined)
        const close = host.opened?.close
        if (close === undefined) continue
        try {
          await withTimeout(
            Promise.resolve().then(() => close.call(host.opened)),
            options.closeTimeoutMs ?? DEFAULT_SKILL_CLOSE_TIMEOUT_MS,
            `closing ${host.id}`,
          )
        } catch (error) {
          const failure = toHubError(error)
          options.logger.warn('skill did not close cleanly', {
            skill: host.id,
            code: failure.code,
            message: failure.message,
          })
        }
      }
    },
  }
}
