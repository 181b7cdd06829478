import type { FastifyInstance } from 'fastify'
import { ok } from '../../contracts/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
import { CANCEL_RUN_SCHEMA, RUNS_SCHEMA } from './hub-route-schemas.ts'

/** What POST /runs/cancel names; CANCEL_RUN_SCHEMA has refused any other body (decision 1910). */
type CancelTarget = { traceId?: string; sessionId?: string }

/** GET /runs (pipeline runs in progress) and POST /runs/cancel ({traceId} or {sessionId}). */
export function runRoutes(runner: PipelineRunner) {
  return (app: FastifyInstance) => {
    app.get('/runs', { schema: RUNS_SCHEMA }, async () =>
      ok(
        runner.active().map((run) => ({
          pipelineId: run.pipelineId,
          traceId: run.traceId,
          sessionId: run.sessionId,
          trigger: run.trigger.kind,
          startedAt: new Date(run.startedAt).toISOString(),
        })),
      ),
    )
    app.post('/runs/cancel', { schema: CANCEL_RUN_SCHEMA }, async (request) =>
      ok({ cancelled: runner.cancel(request.body as CancelTarget) }),
    )
  }
}
