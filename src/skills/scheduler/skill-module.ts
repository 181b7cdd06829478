import { join } from 'node:path'
import { uuidV7 } from '../../bus/index.ts'
import { type Envelope, HubError, toHubError } from '../../contracts/index.ts'
import { defineSkill, type SkillSubscription } from '../../skill-api/index.ts'
import { DEFAULT_LATE_GRACE_MS, DEFAULT_MAX_CATCH_UP, Scheduler } from './scheduler.ts'
import { SchedulerState } from './scheduler-state.ts'
import { firingEvent } from './timer-events.ts'
import { timerRoutes } from './timer-routes.ts'
import { parseTimer, type TimerDefinition } from './timer-spec.ts'

/** The scheduler's file in the data directory: progress of every timer and the added ones. */
export const DEFAULT_SCHEDULER_FILE = 'scheduler.json'
/** The id of the heartbeat timer `heartbeatEverySec` makes. */
export const HEARTBEAT_TIMER_ID = 'heartbeat'

const CONFIG_KEYS = ['timers', 'heartbeatEverySec', 'maxCatchUp'] as const
/** What a manifest timer holds (parseTimer): any other key would be ignored, so it is refused. */
const TIMER_SHAPE = {
  id: true,
  kind: true,
  spec: true,
  timezone: true,
  missed: true,
  event: true,
  name: true,
  reason: true,
  // A free map: the job's input.
  input: true,
} satisfies Record<keyof TimerDefinition, true>

function manifestTimers(config: Readonly<Record<string, unknown>>): TimerDefinition[] {
  const listed = config.timers ?? []
  if (!Array.isArray(listed)) throw new HubError('E_VALIDATION', 'timers must be a list')
  const timers = listed.map((timer, index) => parseTimer(timer, `timers[${index}]`))
  const every = config.heartbeatEverySec
  if (every !== undefined) {
    if (typeof every !== 'number' || !Number.isInteger(every) || every < 1 || every > 86_400)
      throw new HubError('E_VALIDATION', 'heartbeatEverySec must be a whole number of seconds, 1..86400')
    timers.push(
      parseTimer(
        {
          id: HEARTBEAT_TIMER_ID,
          kind: 'interval',
          spec: every * 1000,
          event: 'heartbeat.tick',
          missed: 'skip',
        },
        'heartbeatEverySec',
      ),
    )
  }
  const ids = new Set<string>()
  for (const timer of timers) {
    if (ids.has(timer.id)) throw new HubError('E_VALIDATION', `two timers are named ${timer.id}`)
    ids.add(timer.id)
  }
  return timers
}

/** timer.schedule's payload as a timer definition. */
function scheduledTimer(payload: Record<string, unknown>): TimerDefinition {
  const kind = payload.kind
  const spec = kind === 'cron' ? payload.cron : kind === 'once' ? payload.at : payload.everyMs
  return parseTimer(
    {
      id: payload.timerId ?? `timer-${uuidV7()}`,
      kind,
      spec,
      ...(payload.timezone === undefined ? {} : { timezone: payload.timezone }),
      missed: 'once',
    },
    'timer.schedule',
  )
}

/**
 * skill.scheduler: timers from the manifest, from POST /timers and from timer.schedule events fire
 * timer.tick, cron.triggered (seed 004's jobs) or heartbeat.tick on the injected clock. Progress
 * and added timers live in the data directory, so timers survive restarts and runs missed while
 * the hub was down follow each timer's `missed` policy.
 */
export const schedulerSkillModule = defineSkill({
  name: 'scheduler',
  configKeys: CONFIG_KEYS,
  configShape: { timers: [TIMER_SHAPE] },
  open(context) {
    const timers = manifestTimers(context.config)
    const provides = context.skill.provides
    for (const timer of timers) {
      if (!provides.includes(timer.event))
        throw new HubError(
          'E_VALIDATION',
          `timer ${timer.id} publishes ${timer.event}: add it to ${context.skill.id}'s provides`,
        )
    }
    const maxCatchUp = context.config.maxCatchUp ?? DEFAULT_MAX_CATCH_UP
    if (typeof maxCatchUp !== 'number' || !Number.isInteger(maxCatchUp) || maxCatchUp < 0)
      throw new HubError('E_VALIDATION', 'maxCatchUp must be a whole number ≥ 0')
    const scheduler = new Scheduler({
      clock: context.clock,
      state: new SchedulerState(join(context.dataDir, DEFAULT_SCHEDULER_FILE)),
      timers,
      maxCatchUp,
      lateGraceMs: DEFAULT_LATE_GRACE_MS,
      logger: context.logger,
      fire: async (firing) => {
        if (!provides.includes(firing.timer.event)) {
          context.logger.warn('a timer publishes a type this skill does not provide', {
            timer: firing.timer.id,
          })
          return
        }
        await context.bus.publish(firingEvent(firing))
      },
    })
    scheduler.start()
    const subscriptions: SkillSubscription[] = []
    if (context.skill.consumes.includes('timer.schedule')) {
      subscriptions.push({
        pattern: 'timer.schedule',
        options: { durable: `${context.skill.id}.requests`, from: 'new' },
        handler: async (event: Envelope, delivery) => {
          try {
            const timer = scheduledTimer(event.payload as Record<string, unknown>)
            const next = scheduler.add(timer)
            await delivery.reply({
              ok: true,
              data: {
                timerId: timer.id,
                nextFireAt: next === undefined ? null : new Date(next).toISOString(),
              },
            })
          } catch (error) {
            const failure = toHubError(error)
            await delivery.reply({ ok: false, error: { code: failure.code, message: failure.message } })
          }
        },
      })
    }
    return {
      runtime: { status: () => ({ state: 'ready' }) },
      subscriptions,
      routes: [timerRoutes(scheduler)],
      close: () => scheduler.close(),
    }
  },
})
