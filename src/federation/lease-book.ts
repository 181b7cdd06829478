// The step leases the hub granted (exec.lease.granted), which were started (exec.step.accepted)
// and which were taken back when a step moved to another agent (route.changed). Built from events
// like the registry, so a restarted hub still refuses a started or re-routed lease.

export type LeaseState = 'granted' | 'accepted' | 'revoked'

export interface StepLease {
  leaseId: string
  planId: string | undefined
  stepId: string
  agent: string
  capability: string
  expiresAt: number
  state: LeaseState
}

export class LeaseBook {
  /** Applies exec.lease.granted, exec.step.accepted and route.changed (others are ignored). */
  apply(type: string, body: unknown): void {
    const payload = body as Record<string, string>
    if (type === 'exec.lease.granted') {
      this.grant({
        leaseId: payload.leaseId as string,
        planId: payload.planId,
        stepId: payload.stepId as string,
        agent: payload.agent as string,
        capability: payload.capability as string,
        expiresAt: Date.parse(payload.expiresAt as string),
      })
    } else if (type === 'exec.step.accepted') this.accept(payload.leaseId as string)
    else if (type === 'route.changed' && typeof payload.fromAgent === 'string') {
      this.revoke(payload.stepId as string, payload.fromAgent, payload.planId)
    }
  }

  readonly #leases = new Map<string, StepLease>()

  get(leaseId: string): StepLease | undefined {
    return this.#leases.get(leaseId)
  }

  get size(): number {
    return this.#leases.size
  }

  grant(lease: Omit<StepLease, 'state'>): void {
    this.#leases.set(lease.leaseId, { ...lease, state: 'granted' })
  }

  accept(leaseId: string): void {
    const lease = this.#leases.get(leaseId)
    if (lease !== undefined && lease.state === 'granted') lease.state = 'accepted'
  }

  /** Takes back one unstarted lease (a dispatched step that is moving to another agent). */
  revokeLease(leaseId: string): void {
    const lease = this.#leases.get(leaseId)
    if (lease !== undefined && lease.state === 'granted') lease.state = 'revoked'
  }

  /** Takes back every unstarted lease of `stepId` on `agent` (of `planId` when known). */
  revoke(stepId: string, agent: string, planId: string | undefined): void {
    for (const lease of this.#leases.values()) {
      if (lease.stepId !== stepId || lease.agent !== agent || lease.state !== 'granted') continue
      if (planId !== undefined && lease.planId !== undefined && lease.planId !== planId) continue
      lease.state = 'revoked'
    }
  }

  /** A plan resolved again: the step's unstarted leases of that plan give way to the new one. */
  supersede(planId: string, stepId: string): void {
    for (const lease of this.#leases.values()) {
      if (lease.planId === planId && lease.stepId === stepId && lease.state === 'granted')
        lease.state = 'revoked'
    }
  }

  /** Forgets leases that expired before `now` (their tokens are refused as expired anyway). */
  prune(now: number): void {
    for (const [leaseId, lease] of this.#leases) if (lease.expiresAt <= now) this.#leases.delete(leaseId)
  }
}
