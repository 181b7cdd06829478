import type { FastifyInstance } from 'fastify'
import { HubError, ok } from '../../contracts/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'

const CANCEL_FIELDS = new Set(['traceId', 'sessionId'])

function cancelTarget(body: unknown): { traceId?: string; sessionId?: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HubError('E_VALIDATION', 'the body must be a JSON object with traceId or sessionId', {
      details: {
        issues: [
          {
            path: '',
            message: 'not an object',
            expected: 'object',
            got: Array.isArray(body) ? 'array' : typeof body,
          },
        ],
      },
    })
  const record = body as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!CANCEL_FIELDS.has(key))
      throw new HubError('E_VALIDATION', `unknown field ${key}; use traceId or sessionId`, {
        details: {
          issues: [{ path: `/${key}`, message: 'unknown field', expected: 'traceId | sessionId', got: key }],
        },
      })
  }
  const target: { traceId?: string; sessionId?: string } = {}
  for (const key of CANCEL_FIELDS) {
    const value = record[key]
    if (value === undefined) continue
    if (typeof value !== 'string' || value.length === 0)
      throw new HubError('E_VALIDATION', `${key} must be a non-empty string`, {
        details: {
          issues: [
            {
              path: `/${key}`,
              message: 'not a non-empty string',
              expected: 'non-empty string',
              got: typeof value,
            },
          ],
        },
      })
    target[key as 'traceId' | 'sessionId'] = value
  }
  if (target.traceId === undefined && target.sessionId === undefined)
    throw new HubError('E_VALIDATION', 'name the run to cancel: traceId or sessionId')
  return target
}

/** GET /runs (pipeline runs in progress) and POST /runs/cancel ({traceId} or {sessionId}). */
export function runRoutes(runner: PipelineRunner) {
  return (app: FastifyInstance) => {
    app.get('/runs', async () =>
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
    app.post('/runs/cancel', async (request) => ok({ cancelled: runner.cancel(cancelTarget(request.body)) }))
  }
}
