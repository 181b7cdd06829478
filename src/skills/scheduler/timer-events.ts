import type { AnyDraft } from '../../contracts/index.ts'
import type { Firing } from './scheduler.ts'

/**
 * The event a firing publishes. Its idempotency key is the timer id and the scheduled time, so a
 * run re-fired after a crash (published, progress not yet saved) is dropped by the bus.
 */
export function firingEvent(firing: Firing): AnyDraft {
  const { timer, scheduledFor, firedAt, count } = firing
  const scheduled = new Date(scheduledFor).toISOString()
  const fired = new Date(firedAt).toISOString()
  const tickId = `${timer.id}@${scheduled}${firing.manual === true ? ':manual' : ''}`
  switch (timer.event) {
    case 'cron.triggered':
      return {
        type: 'cron.triggered',
        idempotencyKey: tickId,
        payload: {
          job_id: timer.id,
          job_name: timer.name ?? timer.id,
          scheduled_for: scheduled,
          triggered_at: fired,
          reason: timer.reason ?? 'scheduled_task',
          ...(timer.input === undefined ? {} : { input: timer.input }),
        },
      }
    case 'heartbeat.tick':
      return {
        type: 'heartbeat.tick',
        idempotencyKey: tickId,
        payload: { seq: count - 1, interval_ms: Number(timer.spec), scheduled_for: scheduled },
      }
    default:
      return {
        type: 'timer.tick',
        idempotencyKey: tickId,
        payload: {
          tickId,
          timerId: timer.id,
          kind: timer.kind,
          spec: timer.spec,
          scheduledFor: scheduled,
          firedAt: fired,
          count,
        },
      }
  }
}
