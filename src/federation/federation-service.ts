import { randomUUID } from 'node:crypto'
import type { Clock } from '../bus/index.ts'
import {
  type DraftOf,
  type Envelope,
  type EventType,
  HubError,
  type RegistryCapabilityAnnouncedPayload,
  type RegistryHeartbeatPayload,
  type ResolveRequestPayload,
} from '../contracts/index.ts'
import {
  type AgentView,
  ANNOUNCED_TYPE,
  CapabilityRegistry,
  HEARTBEAT_TYPE,
  LEASE_EXPIRED_TYPE,
  type RegistryEvent,
} from './capability-registry.ts'
import type { ExecTokenSigner } from './exec-token.ts'
import {
  catalogIssues,
  manifestIssues,
  probeIssues,
  splitExtras,
  validationFailure,
} from './federation-checks.ts'
import { type FederationConfig, resolveFederationOptions } from './federation-options.ts'
import type {
  CallContext,
  ExecRequest,
  FederationBus,
  FederationServiceDependencies,
  LeasedBinding,
  ResolveAnswer,
} from './federation-types.ts'
import { LeaseBook } from './lease-book.ts'
import { type Binding, resolvePlan } from './resolver.ts'

// The registry, resolver and exec tokens on the hub's bus: every change is published first and
// applied after, so the log holds what the registry believes and a restart replays it (decision 2000).

export const LEASE_GRANTED_TYPE = 'exec.lease.granted'
export const STEP_ACCEPTED_TYPE = 'exec.step.accepted'
export const ROUTE_CHANGED_TYPE = 'route.changed'
/** Replayed from the start: every manifest counts. */
const REGISTRY_PATTERN = 'registry.>'
/** Replayed for one token lifetime only: older leases are expired, whatever they were. */
const LEASE_PATTERNS = ['exec.>', ROUTE_CHANGED_TYPE] as const

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
  #timer: unknown
  #closed = false
  #sweeping: Promise<void> | undefined
  /** Set when the last sweep failed: the next one waits sweepRetryMs instead of spinning. */
  #sweepFailed = false
  readonly #onError: (error: unknown) => void

  private constructor(dependencies: FederationServiceDependencies) {
    this.config = resolveFederationOptions(dependencies.options)
    this.#bus = dependencies.bus
    this.#clock = dependencies.clock
    this.#signer = dependencies.signer
    this.#onError = dependencies.onError ?? (() => undefined)
  }

  /** Replays the stored registry.*, exec.* and route.changed events, then watches leases. */
  static async open(dependencies: FederationServiceDependencies): Promise<FederationService> {
    const service = new FederationService(dependencies)
    const events: Envelope[] = []
    for await (const event of dependencies.bus.replay({ filter: REGISTRY_PATTERN })) events.push(event)
    const since = iso(service.#clock.now() - service.config.execTokenTtlMs)
    for (const filter of LEASE_PATTERNS)
      for await (const event of dependencies.bus.replay({ filter, since })) events.push(event)
    events.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
    for (const event of events) service.#apply(event)
    service.leases.prune(service.#clock.now())
    service.#arm()
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
    const payload = event.payload as Record<string, string>
    if (event.type === LEASE_GRANTED_TYPE) {
      this.leases.grant({
        leaseId: payload.leaseId as string,
        planId: payload.planId,
        stepId: payload.stepId as string,
        agent: payload.agent as string,
        capability: payload.capability as string,
        expiresAt: Date.parse(payload.expiresAt as string),
      })
    } else if (event.type === STEP_ACCEPTED_TYPE) this.leases.accept(payload.leaseId as string)
    else if (event.type === ROUTE_CHANGED_TYPE && typeof payload.fromAgent === 'string') {
      this.leases.revoke(payload.stepId as string, payload.fromAgent, payload.planId)
    }
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

  /** POST /registry/announce: a capability manifest; replaces what the agent announced before. */
  async announce(body: unknown, context: CallContext = {}): Promise<AgentView> {
    this.#check(ANNOUNCED_TYPE, body, 'manifest')
    const manifest = body as RegistryCapabilityAnnouncedPayload
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
  async heartbeat(body: unknown, context: CallContext = {}): Promise<AgentView> {
    this.#check(HEARTBEAT_TYPE, body, 'heartbeat')
    const beat = body as RegistryHeartbeatPayload
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
    return this.#recordAgent(HEARTBEAT_TYPE, beat, context)
  }

  /** Records an agent's announce or heartbeat, re-arms the lease timer and answers with its view now. */
  async #recordAgent<T extends typeof ANNOUNCED_TYPE | typeof HEARTBEAT_TYPE>(
    type: T,
    payload: DraftOf<T>['payload'] & { agent: string },
    context: CallContext,
  ): Promise<AgentView> {
    const now = this.#clock.now()
    await this.#recordAt(type, payload, now, context)
    this.#arm()
    return this.#viewOf(payload.agent, now)
  }

  #viewOf(agent: string, now: number): AgentView {
    return this.registry.viewOf(agent, now) as AgentView
  }

  list(): { agents: AgentView[]; publicKey: string } {
    return { agents: this.registry.view(this.#clock.now()), publicKey: this.publicKeyPem }
  }

  /** POST /resolve: binds each step, leases it with an exec token, reports re-routed steps. */
  async resolve(body: unknown, context: CallContext = {}): Promise<ResolveAnswer> {
    const { slots, plan, sessionId } = splitExtras(body)
    const scope = sessionId === undefined ? context : { ...context, sessionId }
    this.#check('resolve.request', plan, 'plan')
    const request = plan as ResolveRequestPayload
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
      bindings = resolvePlan(
        request,
        this.registry,
        this.config,
        now,
        previous === undefined ? {} : { pinned: previous },
      )
    } catch (error) {
      const stepId = (error as HubError).details?.stepId
      const fromAgent = typeof stepId === 'string' ? previous?.get(stepId) : undefined
      if (fromAgent !== undefined && typeof stepId === 'string') {
        // Graceful degrade: the session hears that the step has nowhere to run.
        const reason = this.#reasonFor(fromAgent, request, stepId, now)
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
      const reason = this.#reasonFor(fromAgent, request, binding.stepId, now)
      await this.#recordAt(
        ROUTE_CHANGED_TYPE,
        { planId, stepId: binding.stepId, fromAgent, toAgent: binding.agent, reason, degraded: false },
        now,
        scope,
      )
      routeChanges.push({ stepId: binding.stepId, fromAgent, toAgent: binding.agent, reason })
    }
    const leased: LeasedBinding[] = []
    const expiresAt = now + this.config.execTokenTtlMs
    for (const binding of bindings) {
      // One startable lease per step: a plan resolved again makes its older tokens void.
      if (previous !== undefined) this.leases.supersede(planId, binding.stepId)
      const leaseId = randomUUID()
      const execToken = this.#signer.sign({
        lease: leaseId,
        plan: planId,
        step: binding.stepId,
        agent: binding.agent,
        capability: binding.capability,
        iat: now,
        exp: expiresAt,
        ...(slots === undefined ? {} : { slots }),
      })
      await this.#bus.publish({
        type: LEASE_GRANTED_TYPE,
        ts: iso(now),
        source: 'federation',
        ...traceOf(scope),
        payload: {
          leaseId,
          stepId: binding.stepId,
          agent: binding.agent,
          capability: binding.capability,
          execToken,
          ttlMs: this.config.execTokenTtlMs,
          expiresAt: iso(expiresAt),
          ...(slots === undefined ? {} : { slots }),
        },
      })
      this.leases.grant({
        leaseId,
        planId,
        stepId: binding.stepId,
        agent: binding.agent,
        capability: binding.capability,
        expiresAt,
      })
      leased.push({ ...binding, leaseId, execToken, expiresAt: iso(expiresAt) })
    }
    // Re-inserted so the Map's order is least recently resolved first; the oldest is forgotten.
    this.#plans.delete(planId)
    this.#plans.set(planId, new Map(bindings.map((binding) => [binding.stepId, binding.agent])))
    if (this.#plans.size > this.config.maxPlans) this.#plans.delete(this.#plans.keys().next().value as string)
    return { planId, bindings: leased, routeChanges }
  }

  #reasonFor(
    agent: string,
    plan: ResolveRequestPayload,
    stepId: string,
    now: number,
  ): 'lease_expired' | 'agent_down' | 'probe_failed' | 'manual' {
    const record = this.registry.get(agent)
    if (record === undefined || !this.registry.leased(record, now)) return 'lease_expired'
    if (record.status !== 'up') return 'agent_down'
    const need = plan.steps.find((step) => step.id === stepId)?.need
    if (need !== undefined && record.failedProbes.has(need)) return 'probe_failed'
    return 'manual'
  }

  /** POST /exec: a genuine, current, unused exec token for the step starts it once. */
  async exec(
    request: ExecRequest,
    context: CallContext = {},
  ): Promise<{ leaseId: string; planId?: string; stepId: string; agent: string; capability: string }> {
    const now = this.#clock.now()
    const claims = this.#signer.verify(
      request.token,
      { stepId: request.stepId, ...(request.slots === undefined ? {} : { slots: request.slots }) },
      now,
    )
    const lease = this.leases.get(claims.lease)
    if (lease === undefined)
      throw new HubError('E_PERMISSION_REQUIRED', 'this hub holds no such lease', {
        details: { reason: 'unknown_lease' },
      })
    if (lease.state === 'accepted')
      throw new HubError(
        'E_PERMISSION_REQUIRED',
        `step ${lease.stepId} has already started with this token`,
        { details: { reason: 'used' } },
      )
    if (lease.state === 'revoked')
      throw new HubError(
        'E_PERMISSION_REQUIRED',
        `the lease of step ${lease.stepId} was taken back (the step moved, or its plan was resolved again): use the newest token`,
        { details: { reason: 'revoked' } },
      )
    const record = this.registry.get(lease.agent)
    if (record === undefined || !this.registry.leased(record, now) || record.status !== 'up') {
      throw new HubError('E_DEPENDENCY_UNAVAILABLE', `${lease.agent} is not available; resolve again`, {
        details: { reason: 'agent_unavailable', agent: lease.agent },
      })
    }
    const accepted = {
      leaseId: lease.leaseId,
      ...(lease.planId === undefined ? {} : { planId: lease.planId }),
      stepId: lease.stepId,
      agent: lease.agent,
      capability: lease.capability,
    }
    await this.#record({
      type: STEP_ACCEPTED_TYPE,
      ts: iso(now),
      source: 'federation',
      ...traceOf(context),
      payload: accepted,
    })
    return accepted
  }

  /** Publishes registry.lease.expired for every lease that has run out (the timer calls this). */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweepOnce().then(
      () => {
        this.#sweepFailed = false
        this.#sweeping = undefined
        this.#arm()
      },
      (error: unknown) => {
        this.#sweepFailed = true
        this.#sweeping = undefined
        this.#arm()
        throw error
      },
    )
    return this.#sweeping
  }

  async #sweepOnce(): Promise<void> {
    const now = this.#clock.now()
    for (const due of this.registry.dueExpiries(now)) {
      if (this.#closed) return
      await this.#record({
        type: LEASE_EXPIRED_TYPE,
        ts: iso(now),
        source: 'federation',
        payload: { agent: due.agent, expiredAt: iso(due.expiredAt), lastSeenAt: iso(due.lastSeenAt) },
      })
    }
    this.leases.prune(now)
  }

  #arm(): void {
    if (this.#closed) return
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    const now = this.#clock.now()
    const due = this.registry.dueExpiries(now).length > 0
    const next = due
      ? now + (this.#sweepFailed ? this.config.sweepRetryMs : 0)
      : this.registry.nextLeaseEnd(now)
    if (next === undefined) return
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined
        this.sweep().catch(this.#onError)
      },
      Math.max(0, next - now),
    )
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#sweeping?.catch(() => undefined)
  }
}

function traceOf(context: CallContext): { traceId?: string; sessionId?: string } {
  return {
    ...(context.traceId === undefined ? {} : { traceId: context.traceId }),
    ...(context.sessionId === undefined ? {} : { sessionId: context.sessionId }),
  }
}
