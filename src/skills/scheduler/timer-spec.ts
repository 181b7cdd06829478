import { Cron } from 'croner'
import { HubError } from '../../contracts/index.ts'

export const TIMER_KINDS = ['cron', 'once', 'interval'] as const
export type TimerKind = (typeof TIMER_KINDS)[number]

/** What happens to runs that fell due while the hub was down. */
export const MISSED_POLICIES = ['skip', 'once', 'catch_up'] as const
export type MissedPolicy = (typeof MISSED_POLICIES)[number]

/** The event a timer publishes: a timer.tick, seed 004's cron.triggered for a job, or a heartbeat.tick. */
export const TIMER_EVENTS = ['timer.tick', 'cron.triggered', 'heartbeat.tick'] as const
export type TimerEvent = (typeof TIMER_EVENTS)[number]

/** Shortest interval a timer may have, in milliseconds (timer.schedule's everyMs minimum). */
export const MIN_INTERVAL_MS = 1_000

/** A timer as the manifest (`timers:`), POST /timers or timer.schedule give it. */
export interface TimerDefinition {
  readonly id: string
  readonly kind: TimerKind
  /** The cron expression, the ISO time, or the interval in milliseconds. */
  readonly spec: string
  readonly timezone?: string
  readonly missed: MissedPolicy
  readonly event: TimerEvent
  /** cron.triggered's job_name and reason, and the job's input. */
  readonly name?: string
  readonly reason?: 'heartbeat' | 'scheduled_task'
  readonly input?: Record<string, unknown>
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/

function fail(where: string, message: string): never {
  throw new HubError('E_VALIDATION', `${where}: ${message}`)
}

/** Checks one timer (from the manifest, HTTP or the bus) and fills its defaults. */
export function parseTimer(value: unknown, where: string): TimerDefinition {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(where, 'a timer is an object')
  const raw = value as Record<string, unknown>
  const id = raw.id
  if (typeof id !== 'string' || !ID_PATTERN.test(id))
    fail(where, 'id must be 1-200 letters, digits or . _ : - (starting with a letter or digit)')
  const kind = raw.kind as TimerKind
  if (!TIMER_KINDS.includes(kind)) fail(where, `kind must be one of ${TIMER_KINDS.join(', ')}`)
  const spec = typeof raw.spec === 'number' ? String(raw.spec) : raw.spec
  if (typeof spec !== 'string' || spec === '')
    fail(where, 'spec is required (cron expression, ISO time or milliseconds)')
  const missed = (raw.missed ?? 'skip') as MissedPolicy
  if (!MISSED_POLICIES.includes(missed)) fail(where, `missed must be one of ${MISSED_POLICIES.join(', ')}`)
  const event = (raw.event ?? 'timer.tick') as TimerEvent
  if (!TIMER_EVENTS.includes(event)) fail(where, `event must be one of ${TIMER_EVENTS.join(', ')}`)
  const reason = raw.reason ?? (event === 'cron.triggered' ? 'scheduled_task' : undefined)
  if (reason !== undefined && reason !== 'heartbeat' && reason !== 'scheduled_task')
    fail(where, 'reason must be heartbeat or scheduled_task')
  if (
    raw.input !== undefined &&
    (raw.input === null || typeof raw.input !== 'object' || Array.isArray(raw.input))
  )
    fail(where, 'input must be an object')
  if (raw.timezone !== undefined && typeof raw.timezone !== 'string')
    fail(where, 'timezone must be an IANA name')
  if (event === 'heartbeat.tick' && kind !== 'interval') fail(where, 'a heartbeat.tick timer is an interval')
  const timer: TimerDefinition = {
    id,
    kind,
    spec,
    missed,
    event,
    ...(typeof raw.timezone === 'string' ? { timezone: raw.timezone } : {}),
    ...(typeof raw.name === 'string' ? { name: raw.name } : {}),
    ...(reason === undefined ? {} : { reason }),
    ...(raw.input === undefined ? {} : { input: raw.input as Record<string, unknown> }),
  }
  // Computing a first occurrence checks the expression, the time and the timezone.
  try {
    nextOccurrence(timer, 0, 0)
  } catch (error) {
    fail(where, (error as Error).message)
  }
  return timer
}

/**
 * The first occurrence strictly after `afterMs` (undefined: none left). An interval counts from
 * `anchorMs` (when the timer was first seen), so its ticks keep their phase across restarts.
 */
export function nextOccurrence(
  timer: TimerDefinition,
  afterMs: number,
  anchorMs: number,
): number | undefined {
  switch (timer.kind) {
    case 'cron': {
      const cron = new Cron(timer.spec, {
        paused: true,
        ...(timer.timezone === undefined ? {} : { timezone: timer.timezone }),
      })
      return cron.nextRun(new Date(afterMs))?.getTime() ?? undefined
    }
    case 'once': {
      const at = Date.parse(timer.spec)
      if (Number.isNaN(at)) throw new Error(`${timer.spec} is not an ISO date-time`)
      return at > afterMs ? at : undefined
    }
    case 'interval': {
      const every = Number(timer.spec)
      if (!Number.isInteger(every) || every < MIN_INTERVAL_MS)
        throw new Error(`an interval is a whole number of milliseconds ≥ ${MIN_INTERVAL_MS}`)
      if (afterMs < anchorMs) return anchorMs + every
      return anchorMs + (Math.floor((afterMs - anchorMs) / every) + 1) * every
    }
  }
}
