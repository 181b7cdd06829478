// The events an approval or grant produces, in the catalog's own form (approval.*, grant.*) and in
// seed 003's control_room.approval.* form. Payloads are built to validate against catalog/events.
import type {
  AnyDraft,
  ApprovalRequestedPayload,
  ApprovalResolvedPayload,
  ControlRoomApprovalRequestedPayload,
  ControlRoomApprovalResolvedPayload,
  DraftOf,
  EventType,
  GrantCreatedPayload,
  GrantRevokedPayload,
  PayloadOf,
} from '../contracts/index.ts'
import { MAX_EVENT_DIFF_CHARS, MAX_REASON_CHARS } from './approval-options.ts'
import type { ApprovalView, GrantView } from './approval-types.ts'

type Decision = ApprovalResolvedPayload['decision']

const MAX_PREVIEW_CHARS = 20_000

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

function previewText(approval: ApprovalView): string | undefined {
  if (approval.preview.kind === 'paths') {
    const paths = approval.preview.paths ?? approval.targets
    return cut(
      `${approval.tool} will affect ${paths.length} path(s):\n${paths.join('\n')}`,
      MAX_PREVIEW_CHARS,
    )
  }
  const diff = approval.preview.diff ?? ''
  if (diff.length > MAX_EVENT_DIFF_CHARS) {
    return `diff of ${diff.length} characters cut to ${MAX_EVENT_DIFF_CHARS} here; GET /approvals/${approval.id} has all of it`
  }
  return undefined
}

function envelope<T extends EventType>(
  type: T,
  payload: PayloadOf<T>,
  source: string,
  traceId: string,
  sessionId: string | null,
  severity: 'info' | 'warn' = 'info',
): DraftOf<T> {
  return {
    type,
    source,
    severity,
    traceId,
    ...(sessionId === null ? {} : { sessionId }),
    payload,
  }
}

export function approvalRequestedEvents(approval: ApprovalView, source: string): AnyDraft[] {
  const preview = previewText(approval)
  const payload: ApprovalRequestedPayload = {
    approvalId: approval.id,
    action: approval.tool,
    tier: approval.tier,
    targets: approval.targets,
    ...(approval.preview.kind === 'diff'
      ? { diff: cut(approval.preview.diff ?? '', MAX_EVENT_DIFF_CHARS) }
      : {}),
    ...(preview === undefined ? {} : { preview }),
    expiresAt: approval.expiresAt,
    requestedBy: approval.actorSkill,
    confirmationsRequired: approval.confirmationsRequired,
    ...(approval.toolRequestId === null ? {} : { toolRequestId: approval.toolRequestId }),
  }
  const seed: ControlRoomApprovalRequestedPayload = {
    approval_id: approval.id,
    task_id: approval.traceId,
    policy_id: `capability:${approval.tier}`,
    scope: cut(approval.tool, 100),
    run_id: approval.sessionId,
    step_id: approval.toolRequestId,
  }
  return [
    envelope('approval.requested', payload, source, approval.traceId, approval.sessionId),
    envelope('control_room.approval.requested', seed, source, approval.traceId, approval.sessionId),
  ]
}

// Seed 003 knows approved, rejected and expired only: a denial and a cancellation are both "rejected"
// there (the reason says which); the catalog's own event keeps them apart.
const SEED_STATUS: Readonly<Record<Decision, ControlRoomApprovalResolvedPayload['status']>> = {
  approved: 'approved',
  denied: 'rejected',
  expired: 'expired',
  cancelled: 'rejected',
}

export function approvalResolvedEvents(
  approval: ApprovalView,
  decision: Decision,
  source: string,
): AnyDraft[] {
  const decidedAt = approval.decidedAt ?? approval.createdAt
  const decidedBy = approval.decidedBy ?? 'system'
  const payload: ApprovalResolvedPayload = {
    approvalId: approval.id,
    decision,
    decidedBy,
    decidedAt,
    ...(approval.reason === null ? {} : { reason: cut(approval.reason, MAX_REASON_CHARS) }),
    ...(approval.grantId === null ? {} : { grantId: approval.grantId }),
  }
  const reasonSafe =
    decision === 'cancelled'
      ? `cancelled${approval.reason ? `: ${approval.reason}` : ''}`
      : (approval.reason ?? '')
  const seed: ControlRoomApprovalResolvedPayload = {
    approval_id: approval.id,
    status: SEED_STATUS[decision],
    resolved_by: decidedBy,
    resolved_ts: decidedAt,
    reason_safe: cut(reasonSafe, MAX_REASON_CHARS),
  }
  const severity = decision === 'approved' ? 'info' : 'warn'
  return [
    envelope('approval.resolved', payload, source, approval.traceId, approval.sessionId, severity),
    envelope('control_room.approval.resolved', seed, source, approval.traceId, approval.sessionId, severity),
  ]
}

/** A grant folder as the catalog's glob list (`<prefix>/**`). */
export function grantTargetGlob(grant: GrantView): string {
  return `${grant.pathPrefix.replace(/[\\/]+$/, '')}/**`
}

export function grantCreatedEvent(
  grant: GrantView,
  traceId: string,
  source: string,
): DraftOf<'grant.created'> {
  const payload: GrantCreatedPayload = {
    grantId: grant.id,
    action: grant.tool ?? '*',
    tier: grant.tier,
    targets: [grantTargetGlob(grant)],
    grantedBy: grant.createdBy,
    expiresAt: grant.expiresAt,
    ...(grant.maxUses === null ? {} : { maxUses: grant.maxUses }),
    ...(grant.approvalId === null ? {} : { approvalId: grant.approvalId }),
  }
  return envelope('grant.created', payload, source, traceId, grant.sessionId)
}

export function grantRevokedEvent(
  grant: GrantView,
  reason: string | undefined,
  traceId: string,
  source: string,
): DraftOf<'grant.revoked'> {
  const payload: GrantRevokedPayload = {
    grantId: grant.id,
    revokedBy: grant.revokedBy ?? 'system',
    revokedAt: grant.revokedAt ?? grant.createdAt,
    ...(reason === undefined ? {} : { reason: cut(reason, MAX_REASON_CHARS) }),
  }
  return envelope('grant.revoked', payload, source, traceId, grant.sessionId)
}
