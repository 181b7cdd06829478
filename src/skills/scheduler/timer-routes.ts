import type { FastifyInstance } from 'fastify'
import { HubError, ok } from '../../contracts/index.ts'
import type { Scheduler, TimerListing } from './scheduler.ts'
import { parseTimer } from './timer-spec.ts'

function iso(at: number | undefined): string | null {
  return at === undefined ? null : new Date(at).toISOString()
}

function describe(listing: TimerListing) {
  return {
    ...listing.timer,
    source: listing.source,
    nextAt: iso(listing.nextAt),
    lastAt: iso(listing.lastAt),
    count: listing.count,
  }
}

/**
 * GET /timers (each with its next run), POST /timers (add or replace a timer: the manifest's
 * `timers` shape), DELETE /timers/:id, POST /timers/:id/run (fire now).
 */
export function timerRoutes(scheduler: Scheduler) {
  return (app: FastifyInstance) => {
    app.get('/timers', async () => ok(scheduler.list().map(describe)))
    app.post('/timers', async (request) => {
      const timer = parseTimer(request.body, 'the body')
      return ok({ timerId: timer.id, nextAt: iso(scheduler.add(timer)) })
    })
    app.delete('/timers/:id', async (request, reply) => {
      const { id } = request.params as { id: string }
      if (!scheduler.remove(id)) {
        reply.code(404)
        throw new HubError('E_BAD_REQUEST', `no added timer ${id}`)
      }
      return ok({ removed: id })
    })
    app.post('/timers/:id/run', async (request) => {
      const { id } = request.params as { id: string }
      const firing = await scheduler.runNow(id)
      return ok({ timerId: id, firedAt: iso(firing.firedAt), count: firing.count })
    })
  }
}
