// Seed 002's permission_response decisions mapped onto approvals. `allow_session` turns into a
// session grant scoped to the folder of the targets, so the next similar write is not asked again.
import { HubError } from '../contracts/index.ts'
import type { ApprovalService } from './approval-service.ts'
import { PERMISSION_DECISIONS, type PermissionDecision } from './approval-types.ts'
import { createGrant } from './grant-registry.ts'
import { commonFolder, insideWorkspace } from './path-scope.ts'
import type { ServiceCore } from './service-core.ts'

export async function respondToPermission(
  core: ServiceCore,
  id: string,
  input: { decision: PermissionDecision; by: string; reason?: string; confirmationToken?: string },
  service: ApprovalService,
): ReturnType<ApprovalService['respondToPermission']> {
  const decision = input?.decision
  if (!PERMISSION_DECISIONS.includes(decision)) {
    throw new HubError('E_BAD_REQUEST', `decision must be one of ${PERMISSION_DECISIONS.join(', ')}`)
  }
  const decisionInput = {
    by: input.by,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    ...(input.confirmationToken === undefined ? {} : { confirmationToken: input.confirmationToken }),
  }
  if (decision === 'denied' || decision === 'deny') {
    const approval = await service.deny(id, decisionInput)
    return { receiptId: approval.id, grantId: null, outcome: { status: 'denied', approval } }
  }
  let grantId: string | null = null
  const approval = await service.get(id)
  const folder = commonFolder(approval.targets)
  const roots = core.settings.workspaceRoots
  // Destructive plans never get a standing grant, and a grant needs a session to be bound to. Targets
  // in two workspace roots share only a folder above them: that write is allowed once, no grant.
  if (
    decision === 'allow_session' &&
    approval.tier === 'write_local_confirm' &&
    approval.sessionId !== null &&
    folder !== undefined &&
    (roots === undefined || insideWorkspace(folder, roots))
  ) {
    if (approval.status !== 'pending')
      throw new HubError('E_BAD_REQUEST', `approval '${approval.id}' is already ${approval.status}`)
    const { grant } = await createGrant(core, {
      scope: {
        tool: approval.tool,
        tier: 'write_local_confirm',
        pathPrefix: folder,
        sessionId: approval.sessionId,
      },
      by: input.by,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
      approvalId: approval.id,
      traceId: approval.traceId,
    })
    grantId = grant.id
  }
  const outcome = await service.approve(id, decisionInput)
  return { receiptId: grantId ?? outcome.approvalId, grantId, outcome }
}
