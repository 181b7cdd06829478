import type { ResolveRequestPayload } from '../contracts/index.ts'
import type { CallContext } from './federation-types.ts'
import type { ResolveOptions } from './resolver.ts'

// The state of a plan the hub runs (src/federation/plan-runner.ts): one StepRun per step.

export type StepState = 'waiting' | 'dispatched' | 'running' | 'completed' | 'failed'

export interface StepRun {
  readonly stepId: string
  readonly capability: string
  readonly dependsOn: readonly string[]
  agent: string
  state: StepState
  /** The step's current lease: only its holder may start the step and report. */
  leaseId: string | undefined
  /** Held from the resolve until the step is dispatched (then only the agent has it). */
  execToken: string | undefined
  expiresAt: number
  /** Dispatches so far (a move to another agent is a new attempt). */
  attempt: number
  dispatchedAt: number | undefined
  startedAt: number | undefined
  /** Agents this step moved away from (never chosen again for it). */
  readonly excluded: Set<string>
  output: Record<string, unknown> | undefined
  /** The startup SLA timer while dispatched and not started. */
  timer: unknown
}

export interface PlanRun {
  readonly planId: string
  readonly request: ResolveRequestPayload
  readonly slots: Record<string, unknown> | undefined
  readonly scope: CallContext
  readonly startupSlaMs: number
  /** The resolve options the plan was bound with (a scenario's routing), reused when a step moves. */
  readonly options: ResolveOptions
  readonly steps: ReadonlyMap<string, StepRun>
  status: 'running' | 'completed' | 'failed'
  /** Each change of the plan waits for the one before (timers, reports and heartbeats interleave). */
  queue: Promise<void>
}

export function stepsOf(
  bindings: ReadonlyArray<{
    stepId: string
    agent: string
    capability: string
    dependsOn: readonly string[]
    leaseId: string
    execToken: string
    expiresAt: number
  }>,
): Map<string, StepRun> {
  const steps = new Map<string, StepRun>()
  for (const binding of bindings) {
    steps.set(binding.stepId, {
      stepId: binding.stepId,
      capability: binding.capability,
      dependsOn: [...binding.dependsOn],
      agent: binding.agent,
      state: 'waiting',
      leaseId: binding.leaseId,
      execToken: binding.execToken,
      expiresAt: binding.expiresAt,
      attempt: 0,
      dispatchedAt: undefined,
      startedAt: undefined,
      excluded: new Set(),
      output: undefined,
      timer: undefined,
    })
  }
  return steps
}
