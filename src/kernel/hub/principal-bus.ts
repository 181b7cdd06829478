import type { Bus, BusClient, PublishOptions, PublishReceipt } from '../../bus/index.ts'
import { type Envelope, fail, type Result } from '../../contracts/index.ts'
import { type PrincipalAccess, principalAccess } from '../../principals/index.ts'
import { isOwner, OWNER_PRINCIPAL_ID, type Principal } from '../server/index.ts'

// What an HTTP principal may do on the bus (decision 2011). The owner goes through untouched;
// a member's every event type is checked against its grants before the bus sees it, and the
// events it publishes carry who it is in `meta.peer` / `meta.principal`, written by the hub from
// the token, never from the body (decision 2012).

/** The grants of a non-owner principal as a checker; undefined for the owner. */
export function accessOf(principal: Principal): PrincipalAccess | undefined {
  if (isOwner(principal)) return undefined
  return principalAccess(principal.id, principal.grants ?? { publish: [], subscribe: [] })
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * The draft with the identity the hub vouches for: `meta.peer` ({id, fingerprint}) for a paired
 * device, `meta.principal` for any non-owner. A `meta.peer` or `meta.principal` in the body is
 * replaced (or removed, for the owner), so nobody can claim another device's identity.
 */
function withIdentity(draft: unknown, principal: Principal): unknown {
  if (!isPlainObject(draft)) return draft
  const meta = isPlainObject(draft.meta) ? draft.meta : undefined
  const owner = isOwner(principal)
  if (owner && (meta === undefined || (!('peer' in meta) && !('principal' in meta)))) return draft
  const { peer: _claimedPeer, principal: _claimedPrincipal, ...rest } = meta ?? {}
  const stamped: Record<string, unknown> = { ...rest }
  if (!owner) stamped.principal = principal.id
  if (principal.peerId !== undefined)
    stamped.peer = {
      id: principal.peerId,
      ...(principal.fingerprint === undefined ? {} : { fingerprint: principal.fingerprint }),
    }
  const copy: Record<string, unknown> = { ...draft }
  if (Object.keys(stamped).length > 0) copy.meta = stamped
  else delete copy.meta
  return copy
}

/** The owner's drafts with any claimed identity removed: the same array when none claims one. */
function ownerDrafts(drafts: readonly unknown[], principal: Principal): readonly unknown[] {
  let stamped: unknown[] | undefined
  for (let index = 0; index < drafts.length; index++) {
    const draft = drafts[index]
    const checked = withIdentity(draft, principal)
    if (stamped === undefined && checked !== draft) stamped = drafts.slice(0, index)
    stamped?.push(checked)
  }
  return stamped ?? drafts
}

function typeOf(draft: unknown): string | undefined {
  return isPlainObject(draft) && typeof draft.type === 'string' ? draft.type : undefined
}

/**
 * A bus client for one HTTP principal: drafts whose type the principal may not publish are
 * refused on their own (E_PERMISSION_REQUIRED naming the type); the rest are published together,
 * so a refused line in a batch costs no other line.
 */
export function principalClient(bus: Bus, principal: Principal): BusClient {
  const inner = bus.as(OWNER_PRINCIPAL_ID)
  const access = accessOf(principal)
  const publishManyUntyped = async (
    drafts: readonly unknown[],
    options?: PublishOptions,
  ): Promise<Result<PublishReceipt>[]> => {
    // The owner is refused nothing: its drafts go on as they are, in one array, unless one claims
    // an identity to remove (POST /events NDJSON pays no per-line bookkeeping, decision 2091).
    if (access === undefined) return inner.publishManyUntyped(ownerDrafts(drafts, principal), options)
    const outcomes: Array<Result<PublishReceipt> | undefined> = new Array(drafts.length)
    const passed: unknown[] = []
    const positions: number[] = []
    drafts.forEach((draft, index) => {
      const type = typeOf(draft)
      if (access !== undefined && type !== undefined) {
        try {
          access.checkPublish(type)
        } catch (error) {
          outcomes[index] = fail(error)
          return
        }
      }
      passed.push(withIdentity(draft, principal))
      positions.push(index)
    })
    if (passed.length > 0) {
      const published = await inner.publishManyUntyped(passed, options)
      published.forEach((outcome, position) => {
        outcomes[positions[position]!] = outcome
      })
    }
    return outcomes as Result<PublishReceipt>[]
  }
  const publishUntyped = async (draft: unknown): Promise<PublishReceipt> => {
    const type = typeOf(draft)
    if (access !== undefined && type !== undefined) access.checkPublish(type)
    return inner.publishUntyped(withIdentity(draft, principal))
  }
  return Object.freeze({
    ...inner,
    publish: publishUntyped as BusClient['publish'],
    publishUntyped,
    publishMany: publishManyUntyped as BusClient['publishMany'],
    publishManyUntyped,
  })
}

/** Stored events a principal may see: all of them for `all`, else only its granted types. */
export async function* visibleEvents(
  events: AsyncIterable<Envelope>,
  access: PrincipalAccess,
  limit: number,
): AsyncIterable<Envelope> {
  let count = 0
  for await (const event of events) {
    if (!access.mayRead(event.type)) continue
    yield event
    if (++count >= limit) return
  }
}
