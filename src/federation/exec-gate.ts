import { HubError } from '../contracts/index.ts'
import { type AgentCaller, checkAgentOwned } from './agent-ownership.ts'
import type { CapabilityRegistry } from './capability-registry.ts'
import type { ExecTokenSigner } from './exec-token.ts'
import type { ExecRequest } from './federation-types.ts'
import type { LeaseBook, StepLease } from './lease-book.ts'

// The checks of POST /exec (decision 2002's refusals): a genuine, current, unused token of a lease
// whose agent is up. Kept apart from the service so the refusals read in one place.

function refuse(reason: string, message: string): HubError {
  return new HubError('E_PERMISSION_REQUIRED', message, { details: { reason } })
}

/**
 * The lease `request` may start at `now`, or the refusal. `caller` (undefined: the owner) must
 * own the lease's agent (decision 2014): a token is not enough on its own.
 */
export function startableLease(
  request: ExecRequest,
  signer: ExecTokenSigner,
  leases: LeaseBook,
  registry: CapabilityRegistry,
  now: number,
  caller?: AgentCaller,
): StepLease {
  const claims = signer.verify(
    request.token,
    { stepId: request.stepId, ...(request.slots === undefined ? {} : { slots: request.slots }) },
    now,
  )
  checkAgentOwned(caller, claims.agent, 'start steps leased to')
  const lease = leases.get(claims.lease)
  if (lease === undefined) throw refuse('unknown_lease', 'this hub holds no such lease')
  if (lease.state === 'accepted')
    throw refuse('used', `step ${lease.stepId} has already started with this token`)
  if (lease.state === 'revoked') {
    throw refuse(
      'revoked',
      `the lease of step ${lease.stepId} was taken back (the step moved, or its plan was resolved again): use the newest token`,
    )
  }
  const record = registry.get(lease.agent)
  if (record === undefined || !registry.leased(record, now) || record.status !== 'up') {
    throw new HubError('E_DEPENDENCY_UNAVAILABLE', `${lease.agent} is not available; resolve again`, {
      details: { reason: 'agent_unavailable', agent: lease.agent },
    })
  }
  return lease
}

/** The body of POST /exec/report, checked: a token, the step id and either an output or an error. */
export interface ReportRequest {
  token: string
  stepId: string
  ok: boolean
  output?: Record<string, unknown>
  error?: { code: string; message: string }
}
