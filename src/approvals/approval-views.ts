// Rows as the API shows them: ISO times, parsed JSON, and never the stored token hash or raw plan.
import type { ApprovalRow, GrantRow } from './approval-store.ts'
import type { ActionPlan, ApprovalView, ExecutionInfo, GrantView, PlanPreview } from './approval-types.ts'

export function isoTime(ms: number): string {
  return new Date(ms).toISOString()
}

function optionalIso(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms)
}

function parseOr<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

export function toApprovalView(row: ApprovalRow): ApprovalView {
  const execution: ExecutionInfo = { state: row.execution_state }
  const result = parseOr<unknown>(row.execution_result, undefined)
  if (result !== undefined) execution.result = result
  const error = parseOr<ExecutionInfo['error']>(row.execution_error, undefined)
  if (error !== undefined) execution.error = error
  return {
    id: row.id,
    status: row.status,
    tool: row.tool,
    tier: row.tier,
    targets: parseOr<string[]>(row.targets, []),
    preview: parseOr<PlanPreview>(row.preview, { kind: 'paths', paths: [] }),
    fingerprint: row.fingerprint,
    traceId: row.trace_id,
    sessionId: row.session_id,
    actorSkill: row.actor_skill,
    toolRequestId: row.tool_request_id,
    confirmationsRequired: row.confirmations_required === 2 ? 2 : 1,
    createdAt: isoTime(row.created_at),
    expiresAt: isoTime(row.expires_at),
    decidedAt: optionalIso(row.decided_at),
    decidedBy: row.decided_by,
    reason: row.reason,
    grantId: row.grant_id,
    execution,
  }
}

export function planOf(row: ApprovalRow): ActionPlan {
  return JSON.parse(row.plan) as ActionPlan
}

export function isGrantActive(row: GrantRow, now: number): boolean {
  return row.revoked_at === null && row.expires_at > now && (row.max_uses === null || row.uses < row.max_uses)
}

export function toGrantView(row: GrantRow, now: number): GrantView {
  return {
    id: row.id,
    tool: row.tool,
    tier: row.tier,
    pathPrefix: row.path_prefix,
    sessionId: row.session_id,
    createdAt: isoTime(row.created_at),
    createdBy: row.created_by,
    expiresAt: isoTime(row.expires_at),
    maxUses: row.max_uses,
    uses: row.uses,
    revokedAt: optionalIso(row.revoked_at),
    revokedBy: row.revoked_by,
    reason: row.reason,
    approvalId: row.approval_id,
    active: isGrantActive(row, now),
  }
}
