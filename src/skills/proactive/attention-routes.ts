import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../bus/index.ts'
import { envelopeResponses, type HttpRouteSchema, ok } from '../../contracts/index.ts'
import type { Triage } from './triage.ts'

const ATTENTION_SCHEMA: HttpRouteSchema = {
  summary: "The person's attention mode and the rate windows triage uses",
  tags: ['attention'],
  responses: envelopeResponses({
    type: 'object',
    required: ['mode', 'limits', 'used'],
    properties: { mode: { type: 'string' }, limits: { type: 'object' }, used: { type: 'object' } },
  }),
}

/**
 * GET /attention: the person's mode and how much of each rate window is used, so the dashboard
 * (and a test) can see what triage will do next. The mode is set with a ui.interruptibility event.
 */
export function attentionRoutes(triage: Triage, clock: Clock) {
  return (app: FastifyInstance) => {
    app.get('/attention', { schema: ATTENTION_SCHEMA }, async () =>
      ok({ mode: triage.mode(), limits: triage.limits, used: triage.usage(clock.now()) }),
    )
  }
}
