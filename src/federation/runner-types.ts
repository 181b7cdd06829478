import type { Clock } from '../bus/index.ts'
import type { DraftOf, ResolveRequestPayload } from '../contracts/index.ts'
import type { CapabilityRegistry } from './capability-registry.ts'
import type { FederationConfig } from './federation-options.ts'
import type { CallContext } from './federation-types.ts'
import type { Binding, ResolveOptions } from './resolver.ts'
import type { PlanRun } from './step-run.ts'

// The plan runner's event types, ports and answers (src/federation/plan-runner.ts).

export const DISPATCHED_TYPE = 'exec.step.dispatched'
export const COMPLETED_TYPE = 'exec.step.completed'
export const FAILED_TYPE = 'exec.step.failed'
export const PLAN_FINISHED_TYPE = 'exec.plan.finished'

type Recordable =
  | typeof DISPATCHED_TYPE
  | typeof COMPLETED_TYPE
  | typeof FAILED_TYPE
  | typeof PLAN_FINISHED_TYPE
  | 'route.changed'

export type MoveReason = 'startup_sla_missed' | 'probe_failed' | 'agent_down' | 'lease_expired' | 'manual'

export const REASON_TEXT: Readonly<Record<MoveReason, string>> = Object.freeze({
  startup_sla_missed: 'did not start it within its startup SLA',
  probe_failed: 'failed its probe of the capability',
  agent_down: 'is no longer up',
  lease_expired: 'stopped sending heartbeats (its lease ran out)',
  manual: 'stopped taking dispatches',
})

/** What the runner needs of the federation service. */
export interface RunnerPorts {
  clock: Clock
  config: FederationConfig
  registry: CapabilityRegistry
  /** The service's resolution (scenario rules included), for one step moving. */
  bind(request: ResolveRequestPayload, now: number, options: ResolveOptions): Binding[]
  /** Publishes a federation event stamped `now` and applies it. */
  record<T extends Recordable>(
    type: T,
    payload: DraftOf<T>['payload'],
    now: number,
    scope: CallContext,
  ): Promise<void>
  /** Voids the step's older leases and grants a new one (exec.lease.granted). */
  lease(
    planId: string,
    step: { stepId: string; agent: string; capability: string },
    slots: Record<string, unknown> | undefined,
    now: number,
    scope: CallContext,
  ): Promise<{ leaseId: string; execToken: string; expiresAt: number }>
  /** Takes back one unstarted lease at once, so a start racing a re-plan is refused. */
  revokeLease(leaseId: string): void
  /** The step now runs on `agent` (a later resolve of the plan keeps it there). */
  moved(planId: string, stepId: string, agent: string): void
  onError(error: unknown): void
}

export interface RunStart {
  planId: string
  request: ResolveRequestPayload
  bindings: ReadonlyArray<{
    stepId: string
    agent: string
    capability: string
    dependsOn: string[]
    leaseId: string
    execToken: string
    expiresAt: number
  }>
  slots: Record<string, unknown> | undefined
  scope: CallContext
  startupSlaMs: number
  /** Resolve options the plan was bound with (kept for the steps that move). */
  options?: ResolveOptions
}

export type StepOutcome =
  | { ok: true; output?: Record<string, unknown> }
  | { ok: false; error: { code: string; message: string } }

export interface ReportAnswer {
  planId: string
  stepId: string
  state: 'completed' | 'failed'
  planStatus: PlanRun['status']
}
