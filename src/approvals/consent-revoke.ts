// Seed 002's consent_revoke: `once` withdraws one receipt (a grant, or an approval not yet run),
// `session-all` every grant of a session. The answer carries the hash of the ledger entry.
import { HubError } from '../contracts/index.ts'
import { cancelQueued, finalize } from './approval-decisions.ts'
import type { ApprovalRow } from './approval-store.ts'
import type { ConsentRevokeAnswer, ConsentRevokeInput } from './approval-types.ts'
import { OPEN_STATUSES } from './approval-types.ts'
import { isoTime } from './approval-views.ts'
import { revokeGrants } from './grant-registry.ts'
import type { ServiceCore } from './service-core.ts'
import { capReason, checkId, normaliseActor } from './validate-input.ts'

function answer(requestId: string, partial: Partial<ConsentRevokeAnswer>): ConsentRevokeAnswer {
  return {
    requestId,
    ok: false,
    revokedAt: null,
    recordHash: null,
    error: null,
    revokedGrants: [],
    cancelledApprovals: [],
    ...partial,
  }
}

export async function revokeConsent(
  core: ServiceCore,
  input: ConsentRevokeInput,
  current: (id: string) => Promise<ApprovalRow>,
): Promise<ConsentRevokeAnswer> {
  if (input === null || typeof input !== 'object')
    throw new HubError('E_BAD_REQUEST', 'a consent revoke request is required')
  const requestId = checkId(input.requestId, 'request')
  const receiptId = checkId(input.receiptId, 'receipt')
  if (input.scope !== 'once' && input.scope !== 'session-all') {
    throw new HubError('E_BAD_REQUEST', "scope must be 'once' or 'session-all'")
  }
  const by = normaliseActor(input.by)
  const reason = capReason(input.reason)
  const { store } = core.settings
  const grant = store.getGrant(receiptId)
  const approval = grant === undefined ? store.getApproval(receiptId) : undefined
  const revokedAt = isoTime(core.now())
  try {
    if (input.scope === 'session-all') {
      const sessionId = input.sessionId ?? grant?.session_id ?? approval?.session_id ?? undefined
      if (sessionId === undefined || sessionId === null) return answer(requestId, { error: 'not_found' })
      const ids = store.listGrants({ activeAt: core.now(), sessionId }).map((row) => row.id)
      const result = await revokeGrants(core, ids, {
        by,
        reason,
        traceId: requestId,
        action: 'consent.revoke',
      })
      if (result.recordHash === null) return answer(requestId, { error: 'already_revoked' })
      return answer(requestId, {
        ok: true,
        revokedAt,
        recordHash: result.recordHash,
        revokedGrants: result.revoked.map((g) => g.id),
      })
    }
    if (grant !== undefined) {
      if (grant.revoked_at !== null) return answer(requestId, { error: 'already_revoked' })
      const result = await revokeGrants(core, [grant.id], {
        by,
        reason,
        traceId: requestId,
        action: 'consent.revoke',
      })
      if (result.recordHash === null) return answer(requestId, { error: 'already_revoked' })
      return answer(requestId, {
        ok: true,
        revokedAt,
        recordHash: result.recordHash,
        revokedGrants: [grant.id],
      })
    }
    if (approval === undefined) return answer(requestId, { error: 'not_found' })
    const row = await current(approval.id)
    let recordHash: string
    if (OPEN_STATUSES.includes(row.status))
      recordHash = (await finalize(core, row, 'cancelled', by, reason)).recordHash
    else if (row.status === 'approved' && row.execution_state === 'queued')
      recordHash = (await cancelQueued(core, row, by)).recordHash
    else return answer(requestId, { error: 'already_revoked' })
    return answer(requestId, { ok: true, revokedAt, recordHash, cancelledApprovals: [row.id] })
  } catch (error) {
    if (error instanceof HubError && error.code === 'E_IO') return answer(requestId, { error: 'io_error' })
    if (error instanceof HubError && error.code === 'E_BAD_REQUEST')
      return answer(requestId, { error: 'already_revoked' })
    throw error
  }
}

/** The answer in seed 002's consent_revoke_response field names (the frame layer adds the envelope). */
export function toConsentRevokeResponseFields(result: ConsentRevokeAnswer): Record<string, unknown> {
  return {
    kind: 'consent_revoke_response',
    request_id: result.requestId,
    ok: result.ok,
    revoked_at: result.revokedAt,
    record_hash: result.recordHash,
    error: result.error,
  }
}
