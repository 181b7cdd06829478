// The shapes of the approvals context: what a tool hands in (an ActionPlan), what the service keeps
// (approvals and grants) and the small ports it is wired to (events, ledger, clock, executor).
import type { AnyDraft } from '../contracts/index.ts'

/** Capability tiers that need the person's consent (seed 000); read_only never reaches this service. */
export const CONSENT_TIERS = ['write_local_confirm', 'destructive_two_step'] as const
export type ConsentTier = (typeof CONSENT_TIERS)[number]

/** What the person sees before anything runs: a unified diff (write, patch) or a list of paths (delete). */
export interface PlanPreview {
  kind: 'diff' | 'paths'
  diff?: string
  paths?: string[]
}

/**
 * A planned tool call, computed by a dry run (tools-fs `plan(args)`). `fingerprint` binds the plan to
 * the state of its targets; `execute(plan)` re-checks it. Other fields (content, options) are kept
 * as they are and handed back to the executor, so they must be plain JSON.
 */
export interface ActionPlan {
  tool: string
  tier: ConsentTier
  /** Absolute, resolved paths the action touches. */
  targets: string[]
  preview: PlanPreview
  fingerprint: string
  [extra: string]: unknown
}

export interface RequestContext {
  traceId: string
  sessionId?: string
  /** The skill asking (ledger `actorSkill`, event `requestedBy`). */
  actorSkill: string
  /** Envelope id of the tool.request this approval gates. */
  toolRequestId?: string
}

export const APPROVAL_STATUSES = [
  'pending',
  'awaiting_confirmation',
  'approved',
  'denied',
  'expired',
  'cancelled',
] as const
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number]
export const OPEN_STATUSES: readonly ApprovalStatus[] = ['pending', 'awaiting_confirmation']

export const EXECUTION_STATES = ['none', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type ExecutionState = (typeof EXECUTION_STATES)[number]

export interface ExecutionInfo {
  state: ExecutionState
  /** What execute() returned (JSON, capped); absent when it returned nothing or too much. */
  result?: unknown
  error?: { code: string; message: string }
}

/** An approval as the API, the CLI and the dashboard see it (never the raw plan). */
export interface ApprovalView {
  id: string
  status: ApprovalStatus
  tool: string
  tier: ConsentTier
  targets: string[]
  preview: PlanPreview
  fingerprint: string
  traceId: string
  sessionId: string | null
  actorSkill: string
  toolRequestId: string | null
  confirmationsRequired: 1 | 2
  createdAt: string
  expiresAt: string
  decidedAt: string | null
  decidedBy: string | null
  reason: string | null
  grantId: string | null
  execution: ExecutionInfo
}

/** What a standing grant covers: matched by scope, never by the arguments' hash. */
export interface GrantScope {
  /** One tool (e.g. `fs.write_file`); absent = every tool of the tier. */
  tool?: string
  /** Only write_local_confirm (see docs/decisions/1101). */
  tier?: 'write_local_confirm'
  /** Folder the targets must lie in; relative prefixes resolve against the service's rootDir. */
  pathPrefix: string
  /** Absent = every session (global). */
  sessionId?: string
}

export interface GrantInput {
  scope: GrantScope
  /** RFC 3339 time or epoch ms; default now + DEFAULT_GRANT_TTL_MS. */
  expiresAt?: string | number
  maxUses?: number
  by: string
  reason?: string
  approvalId?: string
  traceId?: string
}

export interface GrantView {
  id: string
  tool: string | null
  tier: 'write_local_confirm'
  pathPrefix: string
  sessionId: string | null
  createdAt: string
  createdBy: string
  expiresAt: string
  maxUses: number | null
  uses: number
  revokedAt: string | null
  revokedBy: string | null
  reason: string | null
  approvalId: string | null
  active: boolean
}

export interface DecisionInput {
  by: string
  reason?: string
  /** destructive_two_step only: the token the dry run returned. */
  confirmationToken?: string
}

export type RequestOutcome =
  | { status: 'granted'; grantId: string; approvalId: string; approval: ApprovalView }
  | {
      status: 'pending'
      approvalId: string
      expiresAt: string
      confirmationsRequired: 1 | 2
      approval: ApprovalView
    }

export type ApproveOutcome =
  | {
      status: 'awaiting_confirmation'
      approvalId: string
      /** Shown once; stored only as a hash, bound to the plan's fingerprint, single use. */
      confirmationToken: string
      tokenExpiresAt: string
      approval: ApprovalView
    }
  | { status: 'approved'; approvalId: string; approval: ApprovalView }

export interface ConsentRevokeInput {
  requestId: string
  /** A grant id or an approval id (the hub's consent receipts). */
  receiptId: string
  scope: 'once' | 'session-all'
  reason?: string
  sessionId?: string
  by: string
}

/** Seed 002's consent_revoke_response, camel-cased; recordHash is the ledger entry of the revocation. */
export interface ConsentRevokeAnswer {
  requestId: string
  ok: boolean
  revokedAt: string | null
  recordHash: string | null
  error: 'already_revoked' | 'not_found' | 'io_error' | null
  revokedGrants: string[]
  cancelledApprovals: string[]
}

/** Seed 002 permission_response decisions. */
export const PERMISSION_DECISIONS = ['granted', 'allow_once', 'allow_session', 'denied', 'deny'] as const
export type PermissionDecision = (typeof PERMISSION_DECISIONS)[number]

// ---- ports -------------------------------------------------------------------------------------

/** Same shape as the bus clock, so the kernel can pass one clock to both. */
export interface ApprovalClock {
  now(): number
  setTimeout(callback: () => void, delayMs: number): unknown
  clearTimeout(handle: unknown): void
}

/** The subset of the audit ledger draft this context writes (src/ledger LedgerEntryDraft accepts it). */
export interface ApprovalLedgerDraft {
  traceId: string
  actorSkill: string
  action: string
  targets: string[]
  beforeHash?: string
  afterHash?: string
  approvalId?: string
  decision?: 'approved' | 'denied' | 'expired' | 'cancelled' | 'granted'
  decidedBy?: string
  tier?: 'read_only' | 'write_local_confirm' | 'destructive_two_step' | 'network_off_by_default'
  outcome?: 'attempted' | 'succeeded' | 'failed' | 'denied'
  errorCode?: string
}

export interface LedgerPort {
  append(draft: ApprovalLedgerDraft): { hash: string } | Promise<{ hash: string }>
}

export type PublishPort = (draft: AnyDraft) => unknown

/**
 * Runs an approved plan (tools-fs `execute(plan)`): must re-check plan.fingerprint and throw when the
 * targets changed. May return {beforeHash, afterHash} for the ledger.
 */
export type ExecutePort = (plan: ActionPlan, context: { approvalId: string }) => unknown
