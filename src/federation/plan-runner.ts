import { HubError } from '../contracts/index.ts'
import { sealGrant } from '../federation-agent/index.ts'
import {
  COMPLETED_TYPE,
  DISPATCHED_TYPE,
  FAILED_TYPE,
  type MoveReason,
  PLAN_FINISHED_TYPE,
  REASON_TEXT,
  type ReportAnswer,
  type RunnerPorts,
  type RunStart,
  type StepOutcome,
} from './runner-types.ts'
import { type PlanRun, type StepRun, stepsOf } from './step-run.ts'

// Dispatch and monitoring (seed 001: "lease per step, start, watch, re-plan on degradation").
// A plan whose agents all announced a dispatchPublicKey is run by the hub: each step whose
// dependencies are done is published as exec.step.dispatched with its exec token sealed to the
// agent; the agent starts it (POST /exec) and reports (POST /exec/report). A step that is not
// started within its startup SLA, whose agent's probe of the capability fails, whose agent goes
// down or whose agent's lease runs out moves to the next candidate (route.changed, the old lease
// revoked); with none left the plan fails (route.changed degraded, exec.plan.finished). Only the
// step's current lease may report, so a result from an agent the step moved away from is refused.
// Each plan's changes run one after another (a queue per plan); runs are kept in memory only.

function refuse(reason: string, message: string): HubError {
  return new HubError('E_PERMISSION_REQUIRED', message, { details: { reason } })
}

const iso = (ms: number) => new Date(ms).toISOString()

export class PlanRunner {
  readonly #ports: RunnerPorts
  /** planId → run, least recently started first (the oldest is forgotten past maxPlans). */
  readonly #runs = new Map<string, PlanRun>()
  /** leaseId → the run and step it was dispatched for, so a report finds its step. */
  readonly #byLease = new Map<string, { run: PlanRun; step: StepRun }>()
  #closed = false

  constructor(ports: RunnerPorts) {
    this.#ports = ports
  }

  /** Can the hub hand steps to this agent (it announced a key to seal tokens to)? */
  dispatchable(agent: string): boolean {
    return this.#ports.registry.get(agent)?.dispatchPublicKey !== undefined
  }

  /** Resolves once nothing is queued for the plan any more (tests and the bench wait on it). */
  async settled(planId: string): Promise<void> {
    for (;;) {
      const run = this.#runs.get(planId)
      if (run === undefined) return
      const queue = run.queue
      await queue
      await new Promise((resolve) => setImmediate(resolve))
      if (run.queue === queue) return
    }
  }

  get(planId: string): PlanRun | undefined {
    return this.#runs.get(planId)
  }

  /** Starts running a resolved plan: dispatches the steps that depend on nothing. */
  start(input: RunStart): Promise<void> {
    const old = this.#runs.get(input.planId)
    if (old !== undefined) this.#forget(old)
    const run: PlanRun = {
      planId: input.planId,
      request: input.request,
      slots: input.slots,
      scope: input.scope,
      startupSlaMs: input.startupSlaMs,
      options: input.options ?? {},
      steps: stepsOf(input.bindings),
      status: 'running',
      queue: Promise.resolve(),
    }
    this.#runs.set(run.planId, run)
    if (this.#runs.size > this.#ports.config.maxPlans) {
      this.#forget(this.#runs.values().next().value as PlanRun)
    }
    return this.#enqueue(run, () => this.#dispatchReady(run))
  }

  /** POST /exec accepted `leaseId` (called before anything is awaited, so no re-plan slips between). */
  accepted(leaseId: string): void {
    const entry = this.#byLease.get(leaseId)
    if (entry === undefined || entry.step.leaseId !== leaseId || entry.step.state !== 'dispatched') return
    entry.step.state = 'running'
    entry.step.startedAt = this.#ports.clock.now()
    this.#clearTimer(entry.step)
  }

  /** A report from the holder of `leaseId` (its token checked by the caller). */
  async report(leaseId: string, stepId: string, outcome: StepOutcome): Promise<ReportAnswer> {
    const entry = this.#byLease.get(leaseId)
    if (entry === undefined || entry.step.stepId !== stepId) {
      throw refuse(
        'not_dispatched',
        'the hub did not dispatch this lease; only dispatched steps are reported',
      )
    }
    const { run, step } = entry
    if (step.leaseId !== leaseId) {
      throw refuse(
        'stale',
        `step ${step.stepId} moved to ${step.agent}; this result of an older lease is ignored`,
      )
    }
    if (step.state === 'dispatched')
      throw refuse('not_started', `step ${step.stepId} was not started (POST /exec first)`)
    if (step.state !== 'running') throw refuse('used', `step ${step.stepId} has reported already`)
    const now = this.#ports.clock.now()
    // Decided before anything is awaited: a second report of the same lease is refused as used.
    step.state = outcome.ok ? 'completed' : 'failed'
    if (outcome.ok) step.output = outcome.output ?? {}
    const base = {
      planId: run.planId,
      stepId: step.stepId,
      leaseId,
      agent: step.agent,
      capability: step.capability,
      ...(step.startedAt === undefined ? {} : { durationMs: Math.max(0, now - step.startedAt) }),
    }
    await this.#enqueue(run, async () => {
      if (outcome.ok) {
        await this.#ports.record(COMPLETED_TYPE, { ...base, output: step.output ?? {} }, now, run.scope)
        await this.#dispatchReady(run)
      } else {
        await this.#ports.record(FAILED_TYPE, { ...base, error: outcome.error }, now, run.scope)
        await this.#finish(
          run,
          'failed',
          `step ${step.stepId} failed on ${step.agent}: ${outcome.error.message}`,
          step.stepId,
        )
      }
    })
    return { planId: run.planId, stepId: step.stepId, state: step.state, planStatus: run.status }
  }

  /** The registry changed for `agent` (heartbeat, announce, lease expired): moves its steps if it can no longer run them. */
  agentChanged(agent: string): Promise<void> {
    const now = this.#ports.clock.now()
    const record = this.#ports.registry.get(agent)
    const pending: Promise<void>[] = []
    for (const run of this.#runs.values()) {
      if (run.status !== 'running') continue
      for (const step of run.steps.values()) {
        if (step.agent !== agent || (step.state !== 'dispatched' && step.state !== 'running')) continue
        const reason = this.#unfitReason(record, step.capability, now)
        if (reason === undefined) continue
        pending.push(this.#moveLater(run, step, reason))
      }
    }
    return Promise.all(pending).then(() => undefined)
  }

  #moveLater(run: PlanRun, step: StepRun, reason: MoveReason): Promise<void> {
    const leaseId = step.leaseId
    if (step.state === 'dispatched' && leaseId !== undefined) this.#ports.revokeLease(leaseId)
    return this.#enqueue(run, async () => {
      if (step.leaseId !== leaseId || (step.state !== 'dispatched' && step.state !== 'running')) return
      await this.#move(run, step, reason)
    })
  }

  async #dispatchReady(run: PlanRun): Promise<void> {
    if (run.status !== 'running') return
    let waiting = false
    for (const step of run.steps.values()) {
      if (step.state !== 'waiting') {
        if (step.state !== 'completed') waiting = true
        continue
      }
      waiting = true
      if (step.dependsOn.every((id) => run.steps.get(id)?.state === 'completed'))
        await this.#dispatch(run, step)
      if (run.status !== 'running') return
    }
    if (!waiting) await this.#finish(run, 'completed')
  }

  /** Why `record` can no longer take a step needing `capability`, or undefined when it can. */
  #unfitReason(
    record: ReturnType<RunnerPorts['registry']['get']>,
    capability: string,
    now: number,
  ): MoveReason | undefined {
    if (record === undefined || !this.#ports.registry.leased(record, now)) return 'lease_expired'
    if (record.status !== 'up') return 'agent_down'
    if (record.failedProbes.has(capability)) return 'probe_failed'
    if (!record.capabilities.has(capability) || record.dispatchPublicKey === undefined) return 'manual'
    return undefined
  }

  async #dispatch(run: PlanRun, step: StepRun): Promise<void> {
    const now = this.#ports.clock.now()
    const record = this.#ports.registry.get(step.agent)
    // A step that waited for its inputs is checked again: its agent may have gone down meanwhile,
    // and dispatching to it would only cost the startup SLA before the move.
    const unfit = this.#unfitReason(record, step.capability, now)
    const key = record?.dispatchPublicKey
    if (unfit !== undefined || key === undefined) {
      await this.#move(run, step, unfit ?? 'manual')
      return
    }
    if (
      step.leaseId === undefined ||
      step.execToken === undefined ||
      step.expiresAt <= now + run.startupSlaMs
    ) {
      const granted = await this.#ports.lease(run.planId, step, run.slots, now, run.scope)
      step.leaseId = granted.leaseId
      step.execToken = granted.execToken
      step.expiresAt = granted.expiresAt
    }
    const leaseId = step.leaseId
    step.attempt += 1
    const inputs: Record<string, unknown> = {}
    for (const id of step.dependsOn) inputs[id] = run.steps.get(id)?.output ?? {}
    this.#byLease.set(leaseId, { run, step })
    step.state = 'dispatched'
    step.dispatchedAt = now
    await this.#ports.record(
      DISPATCHED_TYPE,
      {
        planId: run.planId,
        stepId: step.stepId,
        leaseId,
        agent: step.agent,
        capability: step.capability,
        attempt: step.attempt,
        startBy: iso(now + run.startupSlaMs),
        ...(run.slots === undefined ? {} : { slots: run.slots }),
        ...(step.dependsOn.length === 0 ? {} : { inputs }),
        grant: sealGrant(step.execToken as string, key, leaseId),
      },
      now,
      run.scope,
    )
    // The token was handed over; the hub keeps no copy of a dispatched token.
    step.execToken = undefined
    if (this.#closed || step.leaseId !== leaseId || step.state !== 'dispatched') return
    this.#clearTimer(step)
    step.timer = this.#ports.clock.setTimeout(() => {
      step.timer = undefined
      if (step.leaseId === leaseId && step.state === 'dispatched') {
        this.#moveLater(run, step, 'startup_sla_missed').catch(this.#ports.onError)
      }
    }, run.startupSlaMs)
  }

  /** Moves a step off its agent: the next candidate, or graceful degrade when none is left. */
  async #move(run: PlanRun, step: StepRun, reason: MoveReason): Promise<void> {
    const now = this.#ports.clock.now()
    this.#clearTimer(step)
    const fromAgent = step.agent
    step.excluded.add(fromAgent)
    const fixed = new Map<string, string>()
    for (const other of run.steps.values()) if (other !== step) fixed.set(other.stepId, other.agent)
    let toAgent: string | undefined
    let failure: HubError | undefined
    while (toAgent === undefined && failure === undefined) {
      try {
        const bindings = this.#ports.bind(run.request, now, {
          ...run.options,
          fixed,
          exclude: new Map([[step.stepId, step.excluded]]),
        })
        const agent = bindings.find((binding) => binding.stepId === step.stepId)?.agent as string
        // Only agents that take dispatches can take over a dispatched step.
        if (this.dispatchable(agent)) toAgent = agent
        else step.excluded.add(agent)
      } catch (error) {
        failure = error instanceof HubError ? error : new HubError('E_UNKNOWN', String(error))
      }
    }
    const detail = `${fromAgent} ${REASON_TEXT[reason]}`
    const change = { planId: run.planId, stepId: step.stepId, fromAgent, reason, detail }
    if (toAgent === undefined) {
      step.state = 'failed'
      await this.#ports.record('route.changed', { ...change, toAgent: null, degraded: true }, now, run.scope)
      await this.#finish(
        run,
        'failed',
        `step ${step.stepId} (${step.capability}) has no agent left: ${detail}; ${failure?.message ?? ''}`.trim(),
        step.stepId,
      )
      return
    }
    await this.#ports.record('route.changed', { ...change, toAgent, degraded: false }, now, run.scope)
    this.#ports.moved(run.planId, step.stepId, toAgent)
    step.agent = toAgent
    step.state = 'waiting'
    step.leaseId = undefined
    step.execToken = undefined
    await this.#dispatch(run, step)
  }

  async #finish(
    run: PlanRun,
    status: 'completed' | 'failed',
    reason?: string,
    failedStep?: string,
  ): Promise<void> {
    if (run.status !== 'running') return
    run.status = status
    for (const step of run.steps.values()) this.#clearTimer(step)
    const outputs: Record<string, unknown> = {}
    for (const step of run.steps.values())
      if (step.state === 'completed') outputs[step.stepId] = step.output ?? {}
    await this.#ports.record(
      PLAN_FINISHED_TYPE,
      {
        planId: run.planId,
        status,
        ...(reason === undefined ? {} : { reason: reason.slice(0, 1000) }),
        ...(failedStep === undefined ? {} : { failedStep }),
        outputs,
      },
      this.#ports.clock.now(),
      run.scope,
    )
  }

  #enqueue(run: PlanRun, work: () => Promise<void>): Promise<void> {
    const next = run.queue.then(() => (this.#closed ? undefined : work()))
    // The queue goes on after a failure; the caller of this piece of work still hears about it.
    run.queue = next.catch(this.#ports.onError)
    return next
  }

  #clearTimer(step: StepRun): void {
    if (step.timer !== undefined) this.#ports.clock.clearTimeout(step.timer)
    step.timer = undefined
  }

  #forget(run: PlanRun): void {
    run.status = run.status === 'running' ? 'failed' : run.status
    for (const step of run.steps.values()) {
      this.#clearTimer(step)
      for (const [leaseId, entry] of this.#byLease) if (entry.step === step) this.#byLease.delete(leaseId)
    }
    this.#runs.delete(run.planId)
  }

  close(): void {
    this.#closed = true
    for (const run of this.#runs.values()) for (const step of run.steps.values()) this.#clearTimer(step)
  }
}
