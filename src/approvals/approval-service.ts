// The approval service: a tool's plan becomes an approval (or runs at once under a standing grant);
// nothing runs until it is approved, and every step is in the audit ledger.
import { HubError } from '../contracts/index.ts'
import {
  approveWrite,
  assertOpen,
  cancelQueued,
  confirmDestructive,
  finalize,
  issueConfirmation,
  mustGet,
  startApproved,
} from './approval-decisions.ts'
import { approvalRequestedEvents } from './approval-events.ts'
import { type ApprovalServiceOptions, resolveApprovalSettings } from './approval-options.ts'
import type { ApprovalRow } from './approval-store.ts'
import {
  APPROVAL_STATUSES,
  type ApprovalStatus,
  type ApprovalView,
  type ApproveOutcome,
  type ConsentRevokeAnswer,
  type ConsentRevokeInput,
  type DecisionInput,
  type GrantInput,
  type GrantView,
  OPEN_STATUSES,
  type PermissionDecision,
  type RequestContext,
  type RequestOutcome,
} from './approval-types.ts'
import { toApprovalView } from './approval-views.ts'
import { revokeConsent } from './consent-revoke.ts'
import { isSettled, runExecution } from './execution.ts'
import { claimMatchingGrant, createGrant, listGrants, revokeGrant } from './grant-registry.ts'
import { respondToPermission } from './permission-response.ts'
import { createServiceCore } from './service-core.ts'
import { capReason, checkId, normaliseActor, validateContext, validatePlan } from './validate-input.ts'

export const DEFAULT_LIST_LIMIT = 100
export const MAX_LIST_LIMIT = 1000
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1

export interface ListQuery {
  /** 'open' (pending or awaiting confirmation, the default), 'all', or one status. */
  status?: 'open' | 'all' | ApprovalStatus
  limit?: number
}

export interface ApprovalService {
  request(plan: unknown, context: RequestContext): Promise<RequestOutcome>
  get(id: string): Promise<ApprovalView>
  list(query?: ListQuery): Promise<ApprovalView[]>
  approve(id: string, input: DecisionInput): Promise<ApproveOutcome>
  deny(id: string, input: DecisionInput): Promise<ApprovalView>
  /** Withdraws an open approval, or one approved but not yet run. */
  cancel(id: string, input?: Partial<DecisionInput>): Promise<ApprovalView>
  /** Resolves when the approval is decided and (if approved) has run; rejects when signal aborts. */
  waitForDecision(id: string, signal?: AbortSignal): Promise<ApprovalView>
  respondToPermission(
    id: string,
    input: { decision: PermissionDecision; by: string; reason?: string; confirmationToken?: string },
  ): Promise<{
    receiptId: string
    grantId: string | null
    outcome: ApproveOutcome | { status: 'denied'; approval: ApprovalView }
  }>
  createGrant(input: GrantInput): Promise<{ grant: GrantView; recordHash: string }>
  listGrants(query?: { all?: boolean; sessionId?: string }): GrantView[]
  revokeGrant(
    id: string,
    input: { by: string; reason?: string; traceId?: string },
  ): Promise<{ grant: GrantView; recordHash: string }>
  revokeConsent(input: ConsentRevokeInput): Promise<ConsentRevokeAnswer>
  /** Expires overdue approvals now (also runs on a timer and before every read). */
  sweepExpired(): Promise<ApprovalView[]>
  /** Call once at start: runs approvals decided while no executor was there; fails interrupted ones. */
  runQueued(): Promise<ApprovalView[]>
  close(): void
}

export function createApprovalService(options: ApprovalServiceOptions): ApprovalService {
  const settings = resolveApprovalSettings(options)
  const core = createServiceCore(settings)
  const { store } = settings
  let timer: unknown
  let closed = false

  const scheduleSweep = (): void => {
    if (timer !== undefined) settings.clock.clearTimeout(timer)
    timer = undefined
    if (closed) return
    const next = store.nextOpenExpiry()
    if (next === undefined) return
    const delay = Math.min(Math.max(0, next - core.now()), MAX_TIMER_DELAY_MS)
    timer = settings.clock.setTimeout(() => {
      timer = undefined
      if (!closed) void sweepExpired().catch((error) => settings.onPublishError(error, undefined))
    }, delay)
  }

  const expire = async (row: ApprovalRow): Promise<ApprovalView | undefined> => {
    const minutes = Math.round((row.expires_at - row.created_at) / 60_000)
    try {
      return (await finalize(core, row, 'expired', 'system:timeout', `no answer within ${minutes} min`)).view
    } catch (error) {
      if (error instanceof HubError && error.code === 'E_BAD_REQUEST') return undefined // decided meanwhile
      throw error
    }
  }

  async function sweepExpired(): Promise<ApprovalView[]> {
    const expired: ApprovalView[] = []
    for (const row of store.openApprovalsDueBy(core.now())) {
      const view = await expire(row)
      if (view !== undefined) expired.push(view)
    }
    scheduleSweep()
    return expired
  }

  /** The row, expired first if its time is up (so no decision lands after the deadline). */
  const current = async (id: unknown): Promise<ApprovalRow> => {
    const row = mustGet(core, checkId(id, 'approval'))
    if (OPEN_STATUSES.includes(row.status) && row.expires_at <= core.now()) await expire(row)
    return mustGet(core, row.id)
  }

  scheduleSweep()

  const service: ApprovalService = {
    async request(planInput, contextInput) {
      const plan = validatePlan(planInput)
      const context = validateContext(contextInput)
      const now = core.now()
      const id = core.newId('ap')
      const row: ApprovalRow = {
        id,
        status: 'pending',
        tool: plan.tool,
        tier: plan.tier,
        targets: JSON.stringify(plan.targets),
        preview: JSON.stringify(plan.preview),
        plan: JSON.stringify(plan),
        fingerprint: plan.fingerprint,
        trace_id: context.traceId,
        session_id: context.sessionId ?? null,
        actor_skill: context.actorSkill,
        tool_request_id: context.toolRequestId ?? null,
        confirmations_required: plan.tier === 'destructive_two_step' ? 2 : 1,
        created_at: now,
        expires_at: now + settings.ttlMs,
        decided_at: null,
        decided_by: null,
        reason: null,
        grant_id: null,
        token_hash: null,
        token_expires_at: null,
        token_used_at: null,
        token_failures: 0,
        execution_state: 'none',
        execution_result: null,
        execution_error: null,
      }
      // The request is audited before it exists, so no approval (and no action) is ever unrecorded.
      await core.audit({
        traceId: context.traceId,
        actorSkill: context.actorSkill,
        action: plan.tool,
        targets: plan.targets,
        tier: plan.tier,
        approvalId: id,
      })
      const grant = await claimMatchingGrant(core, plan, context.sessionId, context.traceId)
      if (grant !== undefined) {
        Object.assign(row, {
          status: 'approved',
          decided_at: now,
          decided_by: `grant:${grant.id}`,
          grant_id: grant.id,
          execution_state: 'queued',
        })
      }
      store.insertApproval(row)
      await core.publish(approvalRequestedEvents(toApprovalView(row), settings.source))
      if (grant !== undefined) {
        const approval = await startApproved(core, id)
        return { status: 'granted', grantId: grant.id, approvalId: id, approval }
      }
      scheduleSweep()
      return {
        status: 'pending',
        approvalId: id,
        expiresAt: new Date(row.expires_at).toISOString(),
        confirmationsRequired: row.confirmations_required === 2 ? 2 : 1,
        approval: toApprovalView(row),
      }
    },

    async get(id) {
      return toApprovalView(await current(id))
    },

    async list(query = {}) {
      const limit = query.limit ?? DEFAULT_LIST_LIMIT
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new HubError('E_BAD_REQUEST', `limit must be an integer in 1..${MAX_LIST_LIMIT}`)
      }
      const status = query.status ?? 'open'
      if (status !== 'open' && status !== 'all' && !APPROVAL_STATUSES.includes(status)) {
        throw new HubError(
          'E_BAD_REQUEST',
          `status must be open, all or one of ${APPROVAL_STATUSES.join(', ')}`,
        )
      }
      await sweepExpired()
      const statuses = status === 'all' ? undefined : status === 'open' ? OPEN_STATUSES : [status]
      return store
        .listApprovals({ ...(statuses === undefined ? {} : { statuses }), limit })
        .map(toApprovalView)
    },

    async approve(id, input) {
      const by = normaliseActor(input?.by)
      const reason = capReason(input?.reason)
      const row = await current(id)
      assertOpen(row)
      if (row.tier !== 'destructive_two_step') return approveWrite(core, row, by, reason)
      if (input.confirmationToken === undefined) return issueConfirmation(core, row)
      return confirmDestructive(core, row, input.confirmationToken, by, reason)
    },

    async deny(id, input) {
      const by = normaliseActor(input?.by)
      const reason = capReason(input?.reason)
      const row = await current(id)
      assertOpen(row)
      return (await finalize(core, row, 'denied', by, reason)).view
    },

    async cancel(id, input = {}) {
      const by = input.by === undefined ? 'system:cancelled' : normaliseActor(input.by)
      const reason = capReason(input.reason)
      const row = await current(id)
      if (row.status === 'approved' && row.execution_state === 'queued')
        return (await cancelQueued(core, row, by)).view
      assertOpen(row)
      return (await finalize(core, row, 'cancelled', by, reason)).view
    },

    async waitForDecision(id, signal) {
      const view = toApprovalView(await current(id))
      const hasExecutor = settings.execute !== undefined
      if (isSettled(view, hasExecutor)) return view
      return new Promise<ApprovalView>((resolve, reject) => {
        const stop = () =>
          new HubError('E_TIMEOUT', `stopped waiting for approval '${view.id}'`, { cause: signal?.reason })
        if (signal?.aborted) {
          reject(stop())
          return
        }
        const onAbort = () => {
          remove()
          reject(stop())
        }
        const remove = core.addWaiter(view.id, (next) => {
          if (!isSettled(next, hasExecutor)) return false
          signal?.removeEventListener('abort', onAbort)
          resolve(next)
          return true
        })
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },

    respondToPermission: (id, input) => respondToPermission(core, id, input, service),
    createGrant: (input) => createGrant(core, input),
    listGrants: (query) => listGrants(core, query),
    revokeGrant: (id, input) => revokeGrant(core, id, input),
    revokeConsent: (input) => revokeConsent(core, input, current),
    sweepExpired,

    async runQueued() {
      const ran: ApprovalView[] = []
      for (const row of store.listApprovals({ statuses: ['approved'], limit: MAX_LIST_LIMIT })) {
        if (row.execution_state === 'running') {
          // A crash mid-run: the action may or may not have happened, so it is never run twice.
          const error = { code: 'E_UNKNOWN', message: 'interrupted by a restart; not run again' }
          store.updateApproval(
            row.id,
            { execution_state: 'failed', execution_error: JSON.stringify(error) },
            { executionState: ['running'] },
          )
        } else if (row.execution_state === 'queued') {
          ran.push(await runExecution(core, row.id))
        }
      }
      return ran
    },

    close() {
      closed = true
      if (timer !== undefined) settings.clock.clearTimeout(timer)
      timer = undefined
    },
  }
  return service
}
