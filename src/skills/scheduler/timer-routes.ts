import type { FastifyInstance } from 'fastify'
import { envelopeResponses, type HttpRouteSchema, HubError, ok } from '../../contracts/index.ts'
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

const TIMER_ID = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } }

const ROUTE_SCHEMAS: Record<'list' | 'add' | 'remove' | 'run', HttpRouteSchema> = {
  list: {
    summary: 'Timers with their next run',
    tags: ['timers'],
    responses: envelopeResponses({ type: 'array', items: { type: 'object', required: ['id'] } }),
  },
  // The manifest's timers shape is checked by parseTimer, which names the field that is wrong.
  add: {
    summary: "Add or replace a timer (the manifest's timers shape)",
    tags: ['timers'],
    body: { type: 'object' },
    responses: envelopeResponses({ type: 'object', required: ['timerId'] }),
  },
  remove: {
    summary: 'Remove an added timer',
    tags: ['timers'],
    params: TIMER_ID,
    responses: envelopeResponses({ type: 'object', required: ['removed'] }),
  },
  run: {
    summary: 'Fire a timer now',
    tags: ['timers'],
    params: TIMER_ID,
    responses: envelopeResponses({ type: 'object', required: ['timerId', 'count'] }),
  },
}

/**
 * GET /timers (each with its next run), POST /timers (add or replace a timer: the manifest's
 * `timers` shape), DELETE /timers/:id, POST /timers/:id/run (fire now).
 */
export function timerRoutes(scheduler: Scheduler) {
  return (app: FastifyInstance) => {
    app.get('/timers', { schema: ROUTE_SCHEMAS.list }, async () => ok(scheduler.list().map(describe)))
    app.post('/timers', { schema: ROUTE_SCHEMAS.add }, async (request) => {
      const timer = parseTimer(request.body, 'the body')
      return ok({ timerId: timer.id, nextAt: iso(scheduler.add(timer)) })
    })
    app.delete('/timers/:id', { schema: ROUTE_SCHEMAS.remove }, async (request, reply) => {
      const { id } = request.params as { id: string }
      if (!scheduler.remove(id)) {
        reply.code(404)
        throw new HubError('E_BAD_REQUEST', `no added timer ${id}`)
      }
      return ok({ removed: id })
    })
    app.post('/timers/:id/run', { schema: ROUTE_SCHEMAS.run }, async (request) => {
      const { id } = request.params as { id: string }
      const firing = await scheduler.runNow(id)
      return ok({ timerId: id, firedAt: iso(firing.firedAt), count: firing.count })
    })
  }
}
