import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../bus/index.ts'
import { ok } from '../../contracts/index.ts'
import type { Triage } from './triage.ts'

/**
 * GET /attention: the person's mode and how much of each rate window is used, so the dashboard
 * (and a test) can see what triage will do next. The mode is set with a ui.interruptibility event.
 */
export function attentionRoutes(triage: Triage, clock: Clock) {
  return (app: FastifyInstance) => {
    app.get('/attention', async () =>
      ok({ mode: triage.mode(), limits: triage.limits, used: triage.usage(clock.now()) }),
    )
  }
}
