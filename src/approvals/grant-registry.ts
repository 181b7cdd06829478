// Standing grants: "allow writes under docs/ for this session". Matched by scope (tool, tier, folder,
// session, expiry), never by a hash of the arguments, so one grant really stops the prompts.
import { HubError } from '../contracts/index.ts'
import { grantCreatedEvent, grantRevokedEvent } from './approval-events.ts'
import { DEFAULT_ACTOR, MAX_GRANT_TTL_MS } from './approval-options.ts'
import type { GrantRow } from './approval-store.ts'
import type { ActionPlan, GrantInput, GrantView } from './approval-types.ts'
import { toGrantView } from './approval-views.ts'
import { insideWorkspace, isWithin, resolvePrefix } from './path-scope.ts'
import type { ServiceCore } from './service-core.ts'
import { capReason, checkId, hasControlCharacters, normaliseActor } from './validate-input.ts'

const MAX_GRANT_USES = 1_000_000

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || hasControlCharacters(value)) {
    throw new HubError('E_BAD_REQUEST', `${field} must be a string of 1..200 printable characters`)
  }
  return value
}

function expiryOf(value: unknown, now: number, defaultTtlMs: number): number {
  if (value === undefined || value === null) return now + defaultTtlMs
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN
  if (!Number.isFinite(ms))
    throw new HubError('E_BAD_REQUEST', 'expiresAt must be an RFC 3339 time or epoch ms')
  if (ms <= now) throw new HubError('E_BAD_REQUEST', 'expiresAt is in the past')
  if (ms > now + MAX_GRANT_TTL_MS) {
    throw new HubError('E_BAD_REQUEST', `a grant can last at most ${MAX_GRANT_TTL_MS / 86_400_000} days`)
  }
  return Math.floor(ms)
}

export async function createGrant(
  core: ServiceCore,
  input: GrantInput,
): Promise<{ grant: GrantView; recordHash: string }> {
  if (!isPlainObject(input) || !isPlainObject(input.scope)) {
    throw new HubError('E_BAD_REQUEST', 'a grant needs {scope: {pathPrefix, tool?, tier?, sessionId?}, by}')
  }
  const scope = input.scope as Record<string, unknown>
  if (scope.tier === 'destructive_two_step') {
    throw new HubError(
      'E_BAD_REQUEST',
      'grants never cover destructive_two_step: each destructive action needs its own dry run and confirmation',
    )
  }
  if (scope.tier !== undefined && scope.tier !== 'write_local_confirm') {
    throw new HubError(
      'E_BAD_REQUEST',
      `a grant covers tier write_local_confirm only, got ${String(scope.tier)}`,
    )
  }
  const pathPrefix = resolvePrefix(scope.pathPrefix, core.settings.rootDir)
  const roots = core.settings.workspaceRoots
  if (roots !== undefined && !insideWorkspace(pathPrefix, roots)) {
    throw new HubError(
      'E_PERMISSION_REQUIRED',
      roots.length === 0
        ? 'the hub has no workspace root, so a grant would cover nothing the file tools may touch'
        : `${pathPrefix} is outside every workspace root (${roots.join(', ')}); a grant must name a folder inside one`,
      { details: { reason: 'outside-workspace', pathPrefix, workspaceRoots: [...roots] } },
    )
  }
  const now = core.now()
  const row: GrantRow = {
    id: core.newId('gr'),
    tool: optionalText(scope.tool, 'scope.tool'),
    tier: 'write_local_confirm',
    path_prefix: pathPrefix,
    session_id: optionalText(scope.sessionId, 'scope.sessionId'),
    created_at: now,
    created_by: normaliseActor(input.by),
    expires_at: expiryOf(input.expiresAt, now, core.settings.grantTtlMs),
    max_uses: null,
    uses: 0,
    revoked_at: null,
    revoked_by: null,
    reason: capReason(input.reason) ?? null,
    approval_id: input.approvalId === undefined ? null : checkId(input.approvalId, 'approval'),
  }
  if (input.maxUses !== undefined) {
    if (!Number.isInteger(input.maxUses) || input.maxUses < 1 || input.maxUses > MAX_GRANT_USES) {
      throw new HubError('E_BAD_REQUEST', `maxUses must be an integer in 1..${MAX_GRANT_USES}`)
    }
    row.max_uses = input.maxUses
  }
  const traceId = optionalText(input.traceId, 'traceId') ?? row.id
  // Audited first: a grant that is not in the ledger must not exist.
  const recordHash = await core.audit({
    traceId,
    actorSkill: DEFAULT_ACTOR,
    action: 'grant.create',
    targets: [row.path_prefix],
    tier: row.tier,
    decidedBy: row.created_by,
    ...(row.approval_id === null ? {} : { approvalId: row.approval_id }),
    outcome: 'succeeded',
  })
  core.settings.store.insertGrant(row)
  const grant = toGrantView(row, now)
  await core.publish([grantCreatedEvent(grant, traceId, core.settings.source)])
  return { grant, recordHash }
}

export function listGrants(
  core: ServiceCore,
  query: { all?: boolean; sessionId?: string } = {},
): GrantView[] {
  const now = core.now()
  const sessionId =
    query.sessionId === undefined ? undefined : (optionalText(query.sessionId, 'sessionId') ?? undefined)
  return core.settings.store
    .listGrants({
      ...(query.all === true ? {} : { activeAt: now }),
      ...(sessionId === undefined ? {} : { sessionId }),
    })
    .map((row) => toGrantView(row, now))
}

export function grantCovers(row: GrantRow, plan: ActionPlan, sessionId: string | undefined): boolean {
  if (plan.tier !== row.tier) return false
  if (row.tool !== null && row.tool !== plan.tool) return false
  if (row.session_id !== null && row.session_id !== sessionId) return false
  return plan.targets.length > 0 && plan.targets.every((target) => isWithin(target, row.path_prefix))
}

/** Finds an active grant covering the plan and counts one use of it (atomically). */
export async function claimMatchingGrant(
  core: ServiceCore,
  plan: ActionPlan,
  sessionId: string | undefined,
  traceId: string,
): Promise<GrantRow | undefined> {
  if (plan.tier !== 'write_local_confirm') return undefined
  const now = core.now()
  const { store } = core.settings
  for (const row of store.listGrants({ activeAt: now })) {
    if (!grantCovers(row, plan, sessionId) || !store.consumeGrantUse(row.id, now)) continue
    const used = store.getGrant(row.id) ?? row
    if (used.max_uses !== null && used.uses >= used.max_uses) {
      const view = {
        ...toGrantView(used, now),
        revokedBy: 'system:used-up',
        revokedAt: new Date(now).toISOString(),
      }
      await core.publish([
        grantRevokedEvent(view, `used ${used.uses} of ${used.max_uses} times`, traceId, core.settings.source),
      ])
    }
    return used
  }
  return undefined
}

/** Revokes grants (already revoked ones are skipped); one ledger entry covers them all. */
export async function revokeGrants(
  core: ServiceCore,
  ids: readonly string[],
  options: {
    by: string
    reason?: string | undefined
    traceId: string
    action: string
    extraTargets?: string[]
  },
): Promise<{ revoked: GrantView[]; recordHash: string | null }> {
  const now = core.now()
  const revoked: GrantView[] = []
  for (const id of ids) {
    // Revoke before auditing: if the ledger then fails, the safe state (revoked) has already won.
    if (
      !core.settings.store.revokeGrant(id, {
        revoked_at: now,
        revoked_by: options.by,
        reason: options.reason ?? null,
      })
    ) {
      continue
    }
    const row = core.settings.store.getGrant(id)
    if (row !== undefined) revoked.push(toGrantView(row, now))
  }
  const targets = [...revoked.map((grant) => `grant:${grant.id}`), ...(options.extraTargets ?? [])]
  if (targets.length === 0) return { revoked, recordHash: null }
  const recordHash = await core.audit({
    traceId: options.traceId,
    actorSkill: DEFAULT_ACTOR,
    action: options.action,
    targets,
    decidedBy: options.by,
    outcome: 'succeeded',
  })
  await core.publish(
    revoked.map((grant) => grantRevokedEvent(grant, options.reason, options.traceId, core.settings.source)),
  )
  return { revoked, recordHash }
}

export async function revokeGrant(
  core: ServiceCore,
  id: unknown,
  input: { by: string; reason?: string; traceId?: string },
): Promise<{ grant: GrantView; recordHash: string }> {
  const grantId = checkId(id, 'grant')
  const by = normaliseActor(input?.by)
  const existing = core.settings.store.getGrant(grantId)
  if (existing === undefined) throw new HubError('E_BAD_REQUEST', `no grant with id '${grantId}'`)
  if (existing.revoked_at !== null) {
    throw new HubError('E_BAD_REQUEST', `grant '${grantId}' was already revoked by ${existing.revoked_by}`, {
      details: { grantId, revokedAt: new Date(existing.revoked_at).toISOString() },
    })
  }
  const { revoked, recordHash } = await revokeGrants(core, [grantId], {
    by,
    reason: capReason(input?.reason),
    traceId: optionalText(input?.traceId, 'traceId') ?? grantId,
    action: 'grant.revoke',
  })
  if (revoked[0] === undefined || recordHash === null) {
    throw new HubError('E_BAD_REQUEST', `grant '${grantId}' was revoked by someone else just now`)
  }
  return { grant: revoked[0], recordHash }
}
