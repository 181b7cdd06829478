import { isAbsolute } from 'node:path'
import { HubError } from '../contracts/index.ts'
import type { ApprovalStore } from './approval-store.ts'
import type { ActionPlan, ApprovalClock, ExecutePort, LedgerPort, PublishPort } from './approval-types.ts'

/** How long a request waits for the person (catalog example: "no answer within 5 min"). */
export const DEFAULT_APPROVAL_TTL_MS = 5 * 60_000
/** How long the confirmation token of a destructive dry run stays valid. */
export const DEFAULT_CONFIRMATION_TTL_MS = 2 * 60_000
/** A grant without an explicit expiry ends after this (no silent "forever"). */
export const DEFAULT_GRANT_TTL_MS = 8 * 60 * 60_000
export const MAX_GRANT_TTL_MS = 365 * 24 * 60 * 60_000
export const MAX_APPROVAL_TTL_MS = 7 * 24 * 60 * 60_000
/** Wrong tokens tolerated before the token is thrown away (a new dry run gives a new one). */
export const DEFAULT_MAX_TOKEN_FAILURES = 5
export const DEFAULT_EVENT_SOURCE = 'kernel.approvals'
export const DEFAULT_ACTOR = 'kernel.approvals'

export const MAX_REASON_CHARS = 500
export const MAX_ACTOR_CHARS = 200
export const MAX_TARGETS = 1000
export const MAX_TARGET_CHARS = 4096
export const MAX_DIFF_CHARS = 2_000_000
/** approval.requested carries at most this much diff (catalog maxLength); the API has the whole diff. */
export const MAX_EVENT_DIFF_CHARS = 500_000
export const MAX_PLAN_BYTES = 8 * 1024 * 1024
export const MAX_RESULT_BYTES = 64 * 1024

export const systemApprovalClock: ApprovalClock = Object.freeze({
  now: () => Date.now(),
  // Expiry timers must not keep a CLI or a test process alive.
  setTimeout: (callback: () => void, delayMs: number): unknown => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
})

export interface ApprovalServiceOptions {
  store: ApprovalStore
  publish?: PublishPort
  ledger: LedgerPort
  clock?: ApprovalClock
  ttlMs?: number
  confirmationTtlMs?: number
  grantTtlMs?: number
  maxTokenFailures?: number
  /** Runs approved plans; absent (CLI without a server) = approvals are queued for runQueued(). */
  execute?: ExecutePort
  /** Recomputes a plan's fingerprint from the files now; checked before a destructive confirm. */
  fingerprintOf?: (plan: ActionPlan) => string | Promise<string>
  /** Base for relative grant prefixes (the workspace the file tools work in). */
  rootDir?: string
  /**
   * The folders the file tools may touch (absolute, real paths). When given, a grant must lie inside
   * one of them: a grant for a folder no tool can reach is a mistake, or a standing permission
   * waiting for a root to be added (decision 1344). Absent: grants are not checked against roots.
   */
  workspaceRoots?: readonly string[]
  source?: string
  onPublishError?: (error: unknown, draft: unknown) => void
}

export interface ApprovalSettings {
  store: ApprovalStore
  publish: PublishPort | undefined
  ledger: LedgerPort
  clock: ApprovalClock
  ttlMs: number
  confirmationTtlMs: number
  grantTtlMs: number
  maxTokenFailures: number
  execute: ExecutePort | undefined
  fingerprintOf: ((plan: ActionPlan) => string | Promise<string>) | undefined
  rootDir: string | undefined
  workspaceRoots: readonly string[] | undefined
  source: string
  onPublishError: (error: unknown, draft: unknown) => void
}

function positiveMs(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new HubError(
      'E_BAD_REQUEST',
      `${name} must be an integer of milliseconds in 1..${max}, got ${value}`,
    )
  }
  return value
}

export function resolveApprovalSettings(options: ApprovalServiceOptions): Readonly<ApprovalSettings> {
  if (options === null || typeof options !== 'object')
    throw new HubError('E_BAD_REQUEST', 'options are required')
  if (options.store === undefined) throw new HubError('E_BAD_REQUEST', 'an approval store is required')
  if (options.ledger === undefined || typeof options.ledger.append !== 'function') {
    throw new HubError('E_BAD_REQUEST', 'a ledger with append() is required: every decision is audited')
  }
  if (options.rootDir !== undefined && !isAbsolute(options.rootDir)) {
    throw new HubError('E_BAD_REQUEST', `rootDir must be an absolute path, got '${options.rootDir}'`)
  }
  for (const root of options.workspaceRoots ?? []) {
    if (typeof root !== 'string' || !isAbsolute(root))
      throw new HubError('E_BAD_REQUEST', `workspaceRoots must be absolute paths, got '${String(root)}'`)
  }
  const settings: ApprovalSettings = {
    publish: undefined,
    clock: systemApprovalClock,
    execute: undefined,
    fingerprintOf: undefined,
    rootDir: undefined,
    workspaceRoots: undefined,
    source: DEFAULT_EVENT_SOURCE,
    onPublishError: () => {},
    ...options,
    ttlMs: positiveMs('ttlMs', options.ttlMs ?? DEFAULT_APPROVAL_TTL_MS, MAX_APPROVAL_TTL_MS),
    confirmationTtlMs: positiveMs(
      'confirmationTtlMs',
      options.confirmationTtlMs ?? DEFAULT_CONFIRMATION_TTL_MS,
      MAX_APPROVAL_TTL_MS,
    ),
    grantTtlMs: positiveMs('grantTtlMs', options.grantTtlMs ?? DEFAULT_GRANT_TTL_MS, MAX_GRANT_TTL_MS),
    maxTokenFailures: positiveMs(
      'maxTokenFailures',
      options.maxTokenFailures ?? DEFAULT_MAX_TOKEN_FAILURES,
      1000,
    ),
  }
  return Object.freeze(settings)
}
