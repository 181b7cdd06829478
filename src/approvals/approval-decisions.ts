// The decisions on one approval: approve (with the two-step confirmation for destructive plans),
// deny, expire, cancel. Each is a compare-and-set on the stored row, then a ledger entry, then events.
import { HubError } from '../contracts/index.ts'
import { approvalResolvedEvents } from './approval-events.ts'
import type { ApprovalRow } from './approval-store.ts'
import type { ApprovalView, ApproveOutcome } from './approval-types.ts'
import { OPEN_STATUSES } from './approval-types.ts'
import { isoTime, planOf, toApprovalView } from './approval-views.ts'
import { generateConfirmationToken, hashConfirmationToken, tokenMatches } from './confirmation-token.ts'
import { auditBase, runExecution } from './execution.ts'
import type { ServiceCore } from './service-core.ts'

export function mustGet(core: ServiceCore, id: string): ApprovalRow {
  const row = core.settings.store.getApproval(id)
  if (row === undefined)
    throw new HubError('E_BAD_REQUEST', `no approval with id '${id}'`, { details: { id } })
  return row
}

function isOpen(row: ApprovalRow): boolean {
  return OPEN_STATUSES.includes(row.status)
}

export function alreadyDecided(row: ApprovalRow): HubError {
  const when = row.decided_at === null ? '' : ` at ${isoTime(row.decided_at)}`
  return new HubError(
    'E_BAD_REQUEST',
    `approval '${row.id}' is already ${row.status} (by ${row.decided_by ?? 'system'}${when})`,
    {
      details: { id: row.id, status: row.status },
    },
  )
}

/** Ends an open approval without running it (denied, expired, cancelled); returns the ledger hash. */
export async function finalize(
  core: ServiceCore,
  row: ApprovalRow,
  decision: 'denied' | 'expired' | 'cancelled',
  by: string,
  reason: string | undefined,
): Promise<{ view: ApprovalView; recordHash: string }> {
  const { store } = core.settings
  const won = store.updateApproval(
    row.id,
    { status: decision, decided_at: core.now(), decided_by: by, reason: reason ?? null, token_hash: null },
    { status: OPEN_STATUSES },
  )
  if (!won) throw alreadyDecided(mustGet(core, row.id))
  const view = toApprovalView(mustGet(core, row.id))
  try {
    const recordHash = await core.audit({
      ...auditBase(row),
      decision,
      decidedBy: by,
      outcome: 'denied',
      ...(decision === 'cancelled' && by === 'system:stale' ? { errorCode: 'E_PERMISSION_REQUIRED' } : {}),
    })
    await core.publish(approvalResolvedEvents(view, decision, core.settings.source))
    return { view, recordHash }
  } finally {
    core.notify(view)
  }
}

/** Cancels an approval that was approved but not yet run (CLI approvals waiting for the hub). */
export async function cancelQueued(
  core: ServiceCore,
  row: ApprovalRow,
  by: string,
): Promise<{ view: ApprovalView; recordHash: string }> {
  const won = core.settings.store.updateApproval(
    row.id,
    { execution_state: 'cancelled' },
    { status: ['approved'], executionState: ['queued'] },
  )
  if (!won) throw alreadyDecided(mustGet(core, row.id))
  const view = toApprovalView(mustGet(core, row.id))
  try {
    const recordHash = await core.audit({
      ...auditBase(row),
      decision: 'cancelled',
      decidedBy: by,
      outcome: 'denied',
    })
    await core.publish(approvalResolvedEvents({ ...view, decidedBy: by }, 'cancelled', core.settings.source))
    return { view, recordHash }
  } finally {
    core.notify(view)
  }
}

/** After the approved compare-and-set: audit (or refuse to run), announce, execute. */
export async function startApproved(core: ServiceCore, id: string): Promise<ApprovalView> {
  const { store } = core.settings
  const row = mustGet(core, id)
  try {
    await core.audit({
      ...auditBase(row),
      decision: row.grant_id === null ? 'approved' : 'granted',
      decidedBy: row.decided_by ?? 'system',
      outcome: 'attempted',
    })
  } catch (error) {
    const message = 'not run: the audit ledger is unavailable'
    store.updateApproval(id, {
      execution_state: 'failed',
      execution_error: JSON.stringify({ code: 'E_IO', message }),
    })
    core.notify(toApprovalView(mustGet(core, id)))
    throw error
  }
  await core.publish(approvalResolvedEvents(toApprovalView(row), 'approved', core.settings.source))
  return runExecution(core, id)
}

async function checkFresh(core: ServiceCore, row: ApprovalRow): Promise<void> {
  const fingerprintOf = core.settings.fingerprintOf
  if (fingerprintOf === undefined) return
  let current: string
  try {
    current = await fingerprintOf(planOf(row))
  } catch (error) {
    throw new HubError('E_IO', `cannot check whether the targets changed: ${(error as Error)?.message}`, {
      cause: error,
    })
  }
  if (current === row.fingerprint) return
  await finalize(core, row, 'cancelled', 'system:stale', 'the targets changed after the preview was made')
  throw new HubError(
    'E_PERMISSION_REQUIRED',
    `approval '${row.id}' is void: the targets changed after the preview; plan the action again`,
    { details: { id: row.id, reason: 'stale' } },
  )
}

/** Step one of destructive_two_step: a dry-run preview and a single-use token bound to it. */
export async function issueConfirmation(core: ServiceCore, row: ApprovalRow): Promise<ApproveOutcome> {
  await checkFresh(core, row)
  const token = generateConfirmationToken()
  const tokenExpiresAt = Math.min(core.now() + core.settings.confirmationTtlMs, row.expires_at)
  const won = core.settings.store.updateApproval(
    row.id,
    {
      status: 'awaiting_confirmation',
      token_hash: hashConfirmationToken(token, row.id, row.fingerprint),
      token_expires_at: tokenExpiresAt,
      token_used_at: null,
      token_failures: 0,
    },
    { status: OPEN_STATUSES },
  )
  if (!won) throw alreadyDecided(mustGet(core, row.id))
  return {
    status: 'awaiting_confirmation',
    approvalId: row.id,
    confirmationToken: token,
    tokenExpiresAt: isoTime(tokenExpiresAt),
    approval: toApprovalView(mustGet(core, row.id)),
  }
}

function discardToken(core: ServiceCore, row: ApprovalRow): void {
  core.settings.store.updateApproval(
    row.id,
    { status: 'pending', token_hash: null, token_expires_at: null },
    { status: ['awaiting_confirmation'] },
  )
}

/** Step two: the token must match, be unused, unexpired, and the targets unchanged. */
export async function confirmDestructive(
  core: ServiceCore,
  row: ApprovalRow,
  token: unknown,
  by: string,
  reason: string | undefined,
): Promise<ApproveOutcome> {
  const { store, maxTokenFailures } = core.settings
  if (row.status !== 'awaiting_confirmation' || row.token_hash === null) {
    throw new HubError(
      'E_PERMISSION_REQUIRED',
      `approval '${row.id}' has no live dry run: approve it without a token first`,
    )
  }
  if (!tokenMatches(token, row.token_hash, row.id, row.fingerprint)) {
    const failures = row.token_failures + 1
    if (failures >= maxTokenFailures) discardToken(core, row)
    else store.updateApproval(row.id, { token_failures: failures }, { status: ['awaiting_confirmation'] })
    throw new HubError(
      'E_PERMISSION_REQUIRED',
      'the confirmation token does not match this preview (or was replaced)',
    )
  }
  if (row.token_expires_at === null || core.now() >= row.token_expires_at) {
    discardToken(core, row)
    throw new HubError(
      'E_PERMISSION_REQUIRED',
      'the confirmation token expired; approve again for a fresh dry run',
    )
  }
  await checkFresh(core, row)
  const won = store.updateApproval(
    row.id,
    {
      status: 'approved',
      decided_at: core.now(),
      decided_by: by,
      reason: reason ?? null,
      token_used_at: core.now(),
      execution_state: 'queued',
    },
    { status: ['awaiting_confirmation'], tokenHash: row.token_hash },
  )
  if (!won) throw new HubError('E_PERMISSION_REQUIRED', 'the confirmation token was already used')
  return { status: 'approved', approvalId: row.id, approval: await startApproved(core, row.id) }
}

export async function approveWrite(
  core: ServiceCore,
  row: ApprovalRow,
  by: string,
  reason: string | undefined,
): Promise<ApproveOutcome> {
  const won = core.settings.store.updateApproval(
    row.id,
    {
      status: 'approved',
      decided_at: core.now(),
      decided_by: by,
      reason: reason ?? null,
      execution_state: 'queued',
    },
    { status: ['pending'] },
  )
  if (!won) throw alreadyDecided(mustGet(core, row.id))
  return { status: 'approved', approvalId: row.id, approval: await startApproved(core, row.id) }
}

export function assertOpen(row: ApprovalRow): void {
  if (!isOpen(row)) throw alreadyDecided(row)
}
