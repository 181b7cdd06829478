import type { BusClient, Clock, Subscription } from '../bus/index.ts'
import { type ScenarioRunPayload, toHubError } from '../contracts/index.ts'
import type { FederationService } from './federation-service.ts'

// `scenario.run` on the bus (seed 001: scenario.run@1 → scenario.run.result@1, scenario.completed@1).
// Running a scenario here means resolving it: its steps are bound to agents and leased; dispatching
// the steps to the agents is the plan runner's part. The reply says the run started (or that this
// runId already ran); scenario.completed carries the plan id and bindings, or the error.

export const SCENARIO_RUN_CONSUMER = 'federation.scenario-run'
/** runIds remembered for idempotent retries (oldest forgotten first). */
export const DEFAULT_MAX_REMEMBERED_RUNS = 1000
const MAX_MESSAGE_CHARS = 2000

interface RunRecord {
  startedAt: string
  done: boolean
}

export interface ScenarioRunOptions {
  clock: Clock
  maxRememberedRuns?: number
}

export function answerScenarioRuns(
  bus: Pick<BusClient, 'subscribe' | 'publish'>,
  service: FederationService,
  options: ScenarioRunOptions,
): Promise<Subscription> {
  const maxRuns = options.maxRememberedRuns ?? DEFAULT_MAX_REMEMBERED_RUNS
  const runs = new Map<string, RunRecord>()
  return bus.subscribe(
    'scenario.run',
    async (event, delivery) => {
      const payload = event.payload as unknown as ScenarioRunPayload
      const known = runs.get(payload.runId)
      if (known !== undefined) {
        await delivery.reply({
          ok: true,
          data: {
            scenario: payload.scenario,
            runId: payload.runId,
            state: known.done ? 'already_completed' : 'already_running',
            startedAt: known.startedAt,
          },
        })
        return
      }
      const started = options.clock.now()
      const record = { startedAt: new Date(started).toISOString(), done: false }
      runs.set(payload.runId, record)
      if (runs.size > maxRuns) runs.delete(runs.keys().next().value as string)
      await delivery.reply({
        ok: true,
        data: {
          scenario: payload.scenario,
          runId: payload.runId,
          state: 'started',
          startedAt: record.startedAt,
        },
      })
      const trace = {
        traceId: event.traceId,
        ...(event.sessionId === undefined ? {} : { sessionId: event.sessionId }),
      }
      let completed: Record<string, unknown>
      try {
        const answer = await service.resolve(
          {
            scenario: payload.scenario,
            planId: `scenario:${payload.scenario}:${payload.runId}`.slice(0, 200),
            ...(payload.inputs === undefined ? {} : { slots: payload.inputs }),
          },
          trace,
        )
        completed = {
          outcome: 'ok',
          outputs: {
            planId: answer.planId,
            bindings: answer.bindings.map((binding) => ({
              stepId: binding.stepId,
              agent: binding.agent,
              capability: binding.capability,
              leaseId: binding.leaseId,
            })),
          },
        }
      } catch (error) {
        const failure = toHubError(error)
        completed = {
          outcome: 'error',
          error: {
            code: failure.code,
            message: failure.message.slice(0, MAX_MESSAGE_CHARS),
            ...(failure.details === undefined ? {} : { details: failure.details }),
          },
        }
      }
      record.done = true
      await bus.publish({
        type: 'scenario.completed',
        source: 'federation',
        ...trace,
        payload: {
          scenario: payload.scenario,
          runId: payload.runId,
          durationMs: Math.max(0, Math.round(options.clock.now() - started)),
          ...completed,
        } as never,
      })
    },
    { durable: SCENARIO_RUN_CONSUMER, from: 'new' },
  )
}
