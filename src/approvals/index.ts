export type { ApprovalServiceOptions } from './approval-options.ts'
export {
  DEFAULT_ACTOR,
  DEFAULT_APPROVAL_TTL_MS,
  DEFAULT_CONFIRMATION_TTL_MS,
  DEFAULT_EVENT_SOURCE,
  DEFAULT_GRANT_TTL_MS,
  DEFAULT_MAX_TOKEN_FAILURES,
  MAX_APPROVAL_TTL_MS,
  MAX_GRANT_TTL_MS,
  MAX_REASON_CHARS,
  systemApprovalClock,
} from './approval-options.ts'
export type { ApprovalService, ListQuery } from './approval-service.ts'
export { createApprovalService, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from './approval-service.ts'
export type { ApprovalStore } from './approval-store.ts'
export { APPROVALS_FILE_NAME, openApprovalStore } from './approval-store.ts'
export type {
  ActionPlan,
  ApprovalClock,
  ApprovalLedgerDraft,
  ApprovalStatus,
  ApprovalView,
  ApproveOutcome,
  ConsentRevokeAnswer,
  ConsentRevokeInput,
  ConsentTier,
  DecisionInput,
  ExecutePort,
  ExecutionInfo,
  ExecutionState,
  GrantInput,
  GrantScope,
  GrantView,
  LedgerPort,
  PermissionDecision,
  PlanPreview,
  PublishPort,
  RequestContext,
  RequestOutcome,
} from './approval-types.ts'
export {
  APPROVAL_STATUSES,
  CONSENT_TIERS,
  EXECUTION_STATES,
  OPEN_STATUSES,
  PERMISSION_DECISIONS,
} from './approval-types.ts'
export { toConsentRevokeResponseFields } from './consent-revoke.ts'
export type { ApprovalsHttpApi, ApprovalsHttpReply, ApprovalsHttpRequest } from './http-api.ts'
export { createApprovalsHttpApi, DEFAULT_HTTP_ACTOR } from './http-api.ts'
export { isWithin, resolvePrefix } from './path-scope.ts'
