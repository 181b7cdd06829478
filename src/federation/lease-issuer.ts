import { randomUUID } from 'node:crypto'
import type { ResolveRequestPayload } from '../contracts/index.ts'
import type { CapabilityRegistry } from './capability-registry.ts'
import type { ExecTokenSigner } from './exec-token.ts'
import type { FederationConfig } from './federation-options.ts'
import type { CallContext, FederationBus } from './federation-types.ts'
import type { LeaseBook } from './lease-book.ts'

// Step leases: a signed exec token per lease, exec.lease.granted published (the token dropped from
// what is stored and delivered, decision 2002) and the lease recorded in the LeaseBook.

export const LEASE_GRANTED_TYPE = 'exec.lease.granted'

const iso = (ms: number) => new Date(ms).toISOString()

export function traceOf(context: CallContext): { traceId?: string; sessionId?: string } {
  return {
    ...(context.traceId === undefined ? {} : { traceId: context.traceId }),
    ...(context.sessionId === undefined ? {} : { sessionId: context.sessionId }),
  }
}

/** Why a step of a resolved-again plan left `agent` (route.changed's reason). */
export function reasonFor(
  registry: CapabilityRegistry,
  agent: string,
  plan: ResolveRequestPayload,
  stepId: string,
  now: number,
): 'lease_expired' | 'agent_down' | 'probe_failed' | 'manual' {
  const record = registry.get(agent)
  if (record === undefined || !registry.leased(record, now)) return 'lease_expired'
  if (record.status !== 'up') return 'agent_down'
  const need = plan.steps.find((step) => step.id === stepId)?.need
  if (need !== undefined && record.failedProbes.has(need)) return 'probe_failed'
  return 'manual'
}

export class LeaseIssuer {
  readonly #signer: ExecTokenSigner
  readonly #bus: FederationBus
  readonly #leases: LeaseBook
  readonly #config: FederationConfig

  constructor(signer: ExecTokenSigner, bus: FederationBus, leases: LeaseBook, config: FederationConfig) {
    this.#signer = signer
    this.#bus = bus
    this.#leases = leases
    this.#config = config
  }

  /** Signs a token for a new lease of the step, publishes exec.lease.granted and records the lease. */
  async grant(
    planId: string,
    step: { stepId: string; agent: string; capability: string },
    slots: Record<string, unknown> | undefined,
    now: number,
    scope: CallContext,
    supersede = true,
  ): Promise<{ leaseId: string; execToken: string; expiresAt: number }> {
    if (supersede) this.#leases.supersede(planId, step.stepId)
    const leaseId = randomUUID()
    const expiresAt = now + this.#config.execTokenTtlMs
    const execToken = this.#signer.sign({
      lease: leaseId,
      plan: planId,
      step: step.stepId,
      agent: step.agent,
      capability: step.capability,
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
        stepId: step.stepId,
        agent: step.agent,
        capability: step.capability,
        execToken,
        ttlMs: this.#config.execTokenTtlMs,
        expiresAt: iso(expiresAt),
        ...(slots === undefined ? {} : { slots }),
      },
    })
    this.#leases.grant({
      leaseId,
      planId,
      stepId: step.stepId,
      agent: step.agent,
      capability: step.capability,
      expiresAt,
    })
    return { leaseId, execToken, expiresAt }
  }
}
