import { randomUUID } from 'node:crypto'
import type { Clock } from '../bus/index.ts'
import {
  type DraftOf,
  type EventType,
  HubError,
  type RegistryCapabilityAnnouncedPayload,
  type RegistryHeartbeatPayload,
  type ResolveRequestPayload,
} from '../contracts/index.ts'
import { type AgentCaller, checkAgentOwned } from './agent-ownership.ts'
import { bindCallerHints } from './caller-hints.ts'
import {
  type AgentView,
  ANNOUNCED_TYPE,
  CapabilityRegistry,
  HEARTBEAT_TYPE,
  LEASE_EXPIRED_TYPE,
  type RegistryEvent,
} from './capability-registry.ts'
import { type ReportRequest, startableLease } from './exec-gate.ts'
import type { ExecTokenSigner } from './exec-token.ts'
import { ExpirySweeper } from './expiry-sweeper.ts'
import {
  catalogIssues,
  manifestIssues,
  probeIssues,
  splitExtras,
  validationFailure,
} from './federation-checks.ts'
import { type FederationConfig, resolveFederationOptions } from './federation-options.ts'
import { federationHistory, ROUTE_CHANGED_TYPE } from './federation-replay.ts'
import type {
  CallContext,
  ExecRequest,
  FederationBus,
  FederationServiceDependencies,
  LeasedBinding,
  ResolveAnswer,
} from './federation-types.ts'
import { LeaseBook } from './lease-book.ts'
import { LEASE_GRANTED_TYPE, LeaseIssuer, reasonFor, traceOf } from './lease-issuer.ts'

export { LEASE_GRANTED_TYPE, ROUTE_CHANGED_TYPE }

import { PlanRunner } from './plan-runner.ts'
import { type Binding, type ResolveOptions, resolvePlan } from './resolver.ts'
import type { ReportAnswer } from './runner-types.ts'
// ---- scenario DSL ----
import type { ScenarioBook } from './scenario-book.ts'
import { prepareScenarioRequest } from './scenario-request.ts'
// ---- end scenario DSL ----

// The registry, resolver and exec tokens on the hub's bus: every change is published first and
// applied after, so the log holds what the registry believes and a restart replays it (decision 2000).

export const STEP_ACCEPTED_TYPE = 'exec.step.accepted'

const iso = (ms: number) => new Date(ms).toISOString()

export class FederationService {
  readonly config: FederationConfig
  readonly registry = new CapabilityRegistry()
  readonly leases = new LeaseBook()
  readonly #bus: FederationBus
  readonly #clock: Clock
  readonly #signer: ExecTokenSigner
  /** planId → stepId → agent of the plan's current bindings (memory only: plans are not replayed). */
  readonly #plans = new Map<string, Map<string, string>>()
  /** Publishes registry.lease.expired as agents' leases run out (expiry-sweeper.ts). */
  readonly #sweeper: ExpirySweeper
  readonly #onError: (error: unknown) => void
  /** ---- scenario DSL: the scenarios the manifest names (federation.scenarios) ---- */
  readonly scenarios: ScenarioBook | undefined
  /** Dispatch and monitoring of plans whose agents take dispatches (plan-runner.ts). */
  readonly runner: PlanRunner
  readonly #issuer: LeaseIssuer

  private constructor(dependencies: FederationServiceDependencies) {
    this.config = resolveFederationOptions(dependencies.options)
    this.#bus = dependencies.bus
    this.#clock = dependencies.clock
    this.#signer = dependencies.signer
    this.#onError = dependencies.onError ?? (() => undefined)
    this.scenarios = dependencies.scenarios
    this.#issuer = new LeaseIssuer(this.#signer, this.#bus, this.leases, this.config)
    this.runner = new PlanRunner({
      clock: this.#clock,
      config: this.config,
      registry: this.registry,
      bind: (request, now, options) => this.#bind(request, now, options),
      record: (type, payload, now, scope) => this.#recordAt(type, payload, now, scope),
      lease: (planId, step, slots, now, scope) => this.#issuer.grant(planId, step, slots, now, scope),
      revokeLease: (leaseId) => this.leases.revokeLease(leaseId),
      moved: (planId, stepId, agent) => this.#plans.get(planId)?.set(stepId, agent),
      onError: this.#onError,
    })
    this.#sweeper = new ExpirySweeper({
      clock: this.#clock,
      registry: this.registry,
      retryMs: this.config.sweepRetryMs,
      expire: async (due, now) => {
        await this.#record({
          type: LEASE_EXPIRED_TYPE,
          ts: iso(now),
          source: 'federation',
          payload: { agent: due.agent, expiredAt: iso(due.expiredAt), lastSeenAt: iso(due.lastSeenAt) },
        })
        this.runner.agentChanged(due.agent).catch(this.#onError)
      },
      swept: (now) => this.leases.prune(now),
      onError: this.#onError,
    })
  }

  /** Replays the stored registry.*, exec.* and route.changed events, then watches leases. */
  static async open(dependencies: FederationServiceDependencies): Promise<FederationService> {
    const service = new FederationService(dependencies)
    const since = iso(service.#clock.now() - service.config.execTokenTtlMs)
    for (const event of await federationHistory(dependencies.bus, since)) service.#apply(event)
    service.leases.prune(service.#clock.now())
    service.#sweeper.arm()
    return service
  }

  get publicKeyPem(): string {
    return this.#signer.publicKeyPem()
  }

  #apply(event: RegistryEvent & { payload: unknown }): void {
    if (event.type === ANNOUNCED_TYPE || event.type === HEARTBEAT_TYPE || event.type === LEASE_EXPIRED_TYPE) {
      this.registry.apply(event)
      return
    }
    this.leases.apply(event.type, event.payload)
  }

  async #record<T extends EventType>(draft: DraftOf<T>): Promise<void> {
    await this.#bus.publish(draft)
    this.#apply({ type: draft.type, ts: draft.ts as string, payload: draft.payload })
  }

  /** Publishes a federation event stamped `now` with the call's trace and session, and applies it. */
  async #recordAt<T extends EventType>(
    type: T,
    payload: DraftOf<T>['payload'],
    now: number,
    context: CallContext,
  ): Promise<void> {
    await this.#record<T>({ type, ts: iso(now), source: 'federation', payload, ...traceOf(context) })
  }

  #check(type: string, payload: unknown, what: string): void {
    const issues = catalogIssues(this.#bus.contracts, type, payload)
    if (issues.length > 0) throw validationFailure(issues, what)
  }

  /**
   * POST /registry/announce: a capability manifest; replaces what the agent announced before.
   * `caller` (undefined: the owner) must own the agent (agent-ownership.ts).
   */
  async announce(body: unknown, context: CallContext = {}, caller?: AgentCaller): Promise<AgentView> {
    this.#check(ANNOUNCED_TYPE, body, 'manifest')
    const manifest = body as RegistryCapabilityAnnouncedPayload
    checkAgentOwned(caller, manifest.agent, 'announce')
    const issues = manifestIssues(manifest)
    if (issues.length > 0) throw validationFailure(issues, 'manifest')
    if (!this.registry.has(manifest.agent) && this.registry.size >= this.config.maxAgents) {
      throw new HubError('E_RESOURCE_LIMIT', `the registry holds ${this.config.maxAgents} agents already`, {
        details: { maxAgents: this.config.maxAgents },
      })
    }
    return this.#recordAgent(ANNOUNCED_TYPE, manifest, context)
  }

  /** POST /registry/heartbeat: renews the lease, updates telemetry and probe results. */
  /** `published`: the heartbeat came over the bus (registry.heartbeat from the agent): applied, not published again. */
  async heartbeat(
    body: unknown,
    context: CallContext = {},
    published = false,
    caller?: AgentCaller,
  ): Promise<AgentView> {
    this.#check(HEARTBEAT_TYPE, body, 'heartbeat')
    const beat = body as RegistryHeartbeatPayload
    checkAgentOwned(caller, beat.agent, 'heartbeat for')
    const record = this.registry.get(beat.agent)
    if (record === undefined) {
      throw new HubError(
        'E_BAD_REQUEST',
        `${beat.agent} has not announced itself; POST /registry/announce first`,
        { details: { agent: beat.agent } },
      )
    }
    const issues = probeIssues(beat, record)
    if (issues.length > 0) throw validationFailure(issues, 'heartbeat')
    return this.#recordAgent(HEARTBEAT_TYPE, beat, context, published)
  }

  /** Records an agent's announce or heartbeat, re-arms the lease timer and answers with its view now. */
  async #recordAgent<T extends typeof ANNOUNCED_TYPE | typeof HEARTBEAT_TYPE>(
    type: T,
    payload: DraftOf<T>['payload'] & { agent: string },
    context: CallContext,
    published = false,
  ): Promise<AgentView> {
    const now = this.#clock.now()
    if (published) this.registry.apply({ type, ts: iso(now), payload })
    else await this.#recordAt(type, payload, now, context)
    this.#sweeper.arm()
    // A failed probe, a status not up or a capability no longer announced moves the agent's steps.
    this.runner.agentChanged(payload.agent).catch(this.#onError)
    return this.#viewOf(payload.agent, now)
  }

  #viewOf(agent: string, now: number): AgentView {
    return this.registry.viewOf(agent, now) as AgentView
  }

  list(): { agents: AgentView[]; publicKey: string } {
    return { agents: this.registry.view(this.#clock.now()), publicKey: this.publicKeyPem }
  }

  /**
   * POST /resolve: binds each step, leases it with an exec token, reports re-routed steps.
   * `caller`: a paired device's `member:self` / `browser:current` hints name its own agents.
   */
  async resolve(body: unknown, context: CallContext = {}, caller?: AgentCaller): Promise<ResolveAnswer> {
    const { slots, plan: asked, sessionId, startupSlaMs } = splitExtras(body)
    const plan = bindCallerHints(asked, caller)
    const scope = sessionId === undefined ? context : { ...context, sessionId }
    // ---- scenario DSL: a named or inline scenario becomes the plan plus its routing rules ----
    const prepared = prepareScenarioRequest(plan, this.scenarios, (payload) =>
      this.#check('resolve.request', payload, 'plan'),
    )
    // ---- end scenario DSL ----
    this.#check('resolve.request', prepared.plan, 'plan')
    const request = prepared.plan as ResolveRequestPayload
    const planId = request.planId ?? randomUUID()
    const now = this.#clock.now()
    if (this.leases.size + request.steps.length > this.config.maxLeases) this.leases.prune(now)
    if (this.leases.size + request.steps.length > this.config.maxLeases) {
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `${this.leases.size} step leases are running; wait for some to expire`,
        {
          details: { maxLeases: this.config.maxLeases },
        },
      )
    }
    const previous = this.#plans.get(planId)
    let bindings: Binding[]
    try {
      bindings = this.#bind(request, now, {
        ...(previous === undefined ? {} : { pinned: previous }),
        ...(prepared.routing === undefined ? {} : { routing: prepared.routing }), // scenario DSL
      })
    } catch (error) {
      const stepId = (error as HubError).details?.stepId
      const fromAgent = typeof stepId === 'string' ? previous?.get(stepId) : undefined
      if (fromAgent !== undefined && typeof stepId === 'string') {
        // Graceful degrade: the session hears that the step has nowhere to run.
        const reason = reasonFor(this.registry, fromAgent, request, stepId, now)
        await this.#recordAt(
          ROUTE_CHANGED_TYPE,
          { planId, stepId, fromAgent, toAgent: null, reason, degraded: true },
          now,
          scope,
        )
        previous?.delete(stepId)
      }
      throw error
    }
    const routeChanges: ResolveAnswer['routeChanges'] = []
    for (const binding of bindings) {
      const fromAgent = previous?.get(binding.stepId)
      if (fromAgent === undefined || fromAgent === binding.agent) continue
      const reason = reasonFor(this.registry, fromAgent, request, binding.stepId, now)
      await this.#recordAt(
        ROUTE_CHANGED_TYPE,
        { planId, stepId: binding.stepId, fromAgent, toAgent: binding.agent, reason, degraded: false },
        now,
        scope,
      )
      routeChanges.push({ stepId: binding.stepId, fromAgent, toAgent: binding.agent, reason })
    }
    const leased: Array<LeasedBinding & { execToken: string }> = []
    for (const binding of bindings) {
      // One startable lease per step: a plan resolved again makes its older tokens void.
      const granted = await this.#issuer.grant(planId, binding, slots, now, scope, previous !== undefined)
      leased.push({ ...binding, ...granted, expiresAt: iso(granted.expiresAt) })
    }
    // Re-inserted so the Map's order is least recently resolved first; the oldest is forgotten.
    this.#plans.delete(planId)
    this.#plans.set(planId, new Map(bindings.map((binding) => [binding.stepId, binding.agent])))
    if (this.#plans.size > this.config.maxPlans) this.#plans.delete(this.#plans.keys().next().value as string)
    if (!bindings.every((binding) => this.runner.dispatchable(binding.agent))) {
      return { planId, bindings: leased, routeChanges }
    }
    // Every agent takes dispatches: the hub runs the plan and the tokens go to the agents only.
    await this.runner.start({
      planId,
      request,
      bindings: leased.map((binding) => ({ ...binding, expiresAt: Date.parse(binding.expiresAt) })),
      slots,
      scope,
      startupSlaMs: startupSlaMs ?? this.config.startupSlaMs,
      // A step that moves is resolved under the same rules (a scenario's routing included).
      options: prepared.routing === undefined ? {} : { routing: prepared.routing },
    })
    const withheld = leased.map(({ execToken: _handedToTheAgent, ...binding }) => ({
      ...binding,
      dispatched: true as const,
    }))
    return { planId, bindings: withheld, routeChanges, dispatched: true }
  }

  /** Every resolution of this service, a whole plan or one step moving (the runner), goes through here. */
  #bind(request: ResolveRequestPayload, now: number, options: ResolveOptions): Binding[] {
    return resolvePlan(request, this.registry, this.config, now, options)
  }

  /** POST /exec: a genuine, current, unused exec token for the step starts it once. */
  async exec(
    request: ExecRequest,
    context: CallContext = {},
    caller?: AgentCaller,
  ): Promise<{ leaseId: string; planId?: string; stepId: string; agent: string; capability: string }> {
    const lease = startableLease(request, this.#signer, this.leases, this.registry, this.#clock.now(), caller)
    // Marked before the publish is awaited: a second start, or a re-plan, sees it started.
    this.leases.accept(lease.leaseId)
    this.runner.accepted(lease.leaseId)
    const accepted = {
      leaseId: lease.leaseId,
      ...(lease.planId === undefined ? {} : { planId: lease.planId }),
      stepId: lease.stepId,
      agent: lease.agent,
      capability: lease.capability,
    }
    await this.#record({
      type: STEP_ACCEPTED_TYPE,
      ts: iso(this.#clock.now()),
      source: 'federation',
      ...traceOf(context),
      payload: accepted,
    })
    return accepted
  }

  /** POST /exec/report: the holder of a dispatched step's current lease reports its output or failure. */
  async report(request: ReportRequest, caller?: AgentCaller): Promise<ReportAnswer> {
    const claims = this.#signer.verify(
      request.token,
      { stepId: request.stepId, allowExpired: true },
      this.#clock.now(),
    )
    checkAgentOwned(caller, claims.agent, 'report for')
    return this.runner.report(
      claims.lease,
      request.stepId,
      request.ok
        ? { ok: true, ...(request.output === undefined ? {} : { output: request.output }) }
        : {
            ok: false,
            error: request.error ?? { code: 'E_UNKNOWN', message: 'the agent reported a failure' },
          },
    )
  }

  /** Publishes registry.lease.expired for every lease that has run out (the timer calls this). */
  sweep(): Promise<void> {
    return this.#sweeper.sweep()
  }

  async close(): Promise<void> {
    const sweeperClosed = this.#sweeper.close()
    this.runner.close()
    await sweeperClosed
  }
}
