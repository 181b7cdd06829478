// Runs an approved plan exactly once: a compare-and-set claims it (queued -> running), executions on
// the same paths are serialised, and the outcome goes to the ledger before anyone is told.
import { toHubError } from '../contracts/index.ts'
import { MAX_RESULT_BYTES } from './approval-options.ts'
import type { ApprovalRow } from './approval-store.ts'
import type { ApprovalLedgerDraft, ApprovalView } from './approval-types.ts'
import { planOf, toApprovalView } from './approval-views.ts'
import type { ServiceCore } from './service-core.ts'

/** True when nothing more will happen to this approval in this process. */
export function isSettled(view: ApprovalView, hasExecutor: boolean): boolean {
  if (view.status === 'pending' || view.status === 'awaiting_confirmation') return false
  if (view.execution.state === 'running') return false
  return !(view.execution.state === 'queued' && hasExecutor)
}

function resultText(result: unknown): string | null {
  if (result === undefined) return null
  try {
    const text = JSON.stringify(result)
    return text !== undefined && Buffer.byteLength(text) <= MAX_RESULT_BYTES ? text : null
  } catch {
    return null
  }
}

function hashField(result: unknown, field: 'beforeHash' | 'afterHash'): Partial<ApprovalLedgerDraft> {
  if (result === null || typeof result !== 'object') return {}
  const value = (result as Record<string, unknown>)[field]
  return typeof value === 'string' && value.length > 0 && value.length <= 200 ? { [field]: value } : {}
}

/** The ledger entry fields every entry about this approval shares. */
export function auditBase(row: ApprovalRow): ApprovalLedgerDraft {
  return {
    traceId: row.trace_id,
    actorSkill: row.actor_skill,
    action: row.tool,
    targets: JSON.parse(row.targets) as string[],
    tier: row.tier,
    approvalId: row.id,
  }
}

export async function runExecution(core: ServiceCore, id: string): Promise<ApprovalView> {
  const { store, execute } = core.settings
  const row = store.getApproval(id)
  if (row === undefined) throw new Error(`approval ${id} vanished`)
  if (execute === undefined || row.status !== 'approved') return toApprovalView(row)
  if (
    !store.updateApproval(
      id,
      { execution_state: 'running' },
      { status: ['approved'], executionState: ['queued'] },
    )
  ) {
    return toApprovalView(store.getApproval(id) ?? row)
  }
  const plan = planOf(row)
  const decision = row.grant_id === null ? 'approved' : 'granted'
  let outcome: { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } }
  try {
    // A skill's permission_request (seed 002) is consent without an action here: the skill acts itself.
    const result =
      plan.consentOnly === true
        ? { consented: true }
        : await core.lock.run(plan.targets, async () => execute(plan, { approvalId: id }))
    outcome = { ok: true, result }
  } catch (error) {
    const hubError = toHubError(error)
    outcome = { ok: false, error: { code: hubError.code, message: hubError.message.slice(0, 2000) } }
  }
  if (outcome.ok) {
    store.updateApproval(id, { execution_state: 'succeeded', execution_result: resultText(outcome.result) })
  } else {
    store.updateApproval(id, { execution_state: 'failed', execution_error: JSON.stringify(outcome.error) })
  }
  const view = toApprovalView(store.getApproval(id) ?? row)
  try {
    await core.audit({
      ...auditBase(row),
      decision,
      decidedBy: row.decided_by ?? 'system',
      ...(outcome.ok
        ? {
            outcome: 'succeeded' as const,
            ...hashField(outcome.result, 'beforeHash'),
            ...hashField(outcome.result, 'afterHash'),
          }
        : { outcome: 'failed' as const, errorCode: outcome.error.code }),
    })
  } finally {
    core.notify(view)
  }
  return view
}
