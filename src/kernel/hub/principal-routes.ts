import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HubError, ok } from '../../contracts/index.ts'
import {
  type CompleteInput,
  type PairingService,
  type StartInput,
  WindowRateLimiter,
} from '../../pairing/index.ts'
import type { PrincipalRole, PrincipalStore } from '../../principals/index.ts'
import { HttpHubError, type RouteAccessConfig } from '../server/index.ts'
import {
  CREATE_PRINCIPAL_SCHEMA,
  LIST_PRINCIPALS_SCHEMA,
  PAIRING_APPROVE_SCHEMA,
  PAIRING_COMPLETE_SCHEMA,
  PAIRING_LIST_SCHEMA,
  PAIRING_REVOKE_PEER_SCHEMA,
  PAIRING_START_SCHEMA,
  REVOKE_PRINCIPAL_SCHEMA,
} from './principal-route-schemas.ts'

// Token management (owner only: these routes carry no `members` flag, so the security hook lets
// only the owner in) and seed 004 pairing (start and complete are public: a device has no token
// yet; both are rate-limited per remote address). docs/principals-and-pairing.md.

/** Pairing starts one address may make per minute. */
export const DEFAULT_PAIRING_STARTS_PER_MINUTE = 20
/** Completion attempts one address may make per minute (a waiting device asks about once a second). */
export const DEFAULT_PAIRING_COMPLETES_PER_MINUTE = 120
const MINUTE_MS = 60_000

const PUBLIC: { config: RouteAccessConfig } = { config: { public: true } }

/** Refusals with a status more precise than the code's default: 404 unknown, 409 waiting, 410 expired. */
function httpErrorOf(error: unknown): unknown {
  if (!(error instanceof HubError)) return error
  const details = error.details
  if (details === undefined)
    return error.code === 'E_BAD_REQUEST' && /^no (pairing|principal|paired peer)/.test(error.message)
      ? new HttpHubError(404, error.code, error.message)
      : error
  if (details.pairingError === 'TIMEOUT') return new HttpHubError(410, error.code, error.message, details)
  if (details.status === 'awaiting_approval') return new HttpHubError(409, error.code, error.message, details)
  if (error.code === 'E_BAD_REQUEST' && /^no (pairing|principal|paired peer)/.test(error.message))
    return new HttpHubError(404, error.code, error.message, details)
  return error
}

async function answer<T>(work: () => T | Promise<T>) {
  try {
    return ok(await work())
  } catch (error) {
    throw httpErrorOf(error)
  }
}

function limited(limiter: WindowRateLimiter, request: FastifyRequest, reply: FastifyReply): void {
  if (limiter.take(request.ip)) return
  const seconds = Math.ceil(limiter.retryAfterMs() / 1000)
  reply.header('retry-after', String(seconds))
  throw new HttpHubError(429, 'E_RESOURCE_LIMIT', `too many pairing requests; try again in ${seconds} s`)
}

/** POST/GET/DELETE /principals and the /pairing routes. */
export function principalRoutes(principals: PrincipalStore, pairing: PairingService) {
  const starts = new WindowRateLimiter({ limit: DEFAULT_PAIRING_STARTS_PER_MINUTE, windowMs: MINUTE_MS })
  const completes = new WindowRateLimiter({
    limit: DEFAULT_PAIRING_COMPLETES_PER_MINUTE,
    windowMs: MINUTE_MS,
  })
  return (app: FastifyInstance) => {
    app.post('/principals', { schema: CREATE_PRINCIPAL_SCHEMA }, async (request) => {
      const body = request.body as {
        role: PrincipalRole
        name?: string
        publish?: string[]
        subscribe?: string[]
      }
      return answer(() => principals.create(body))
    })
    app.get('/principals', { schema: LIST_PRINCIPALS_SCHEMA }, async () =>
      ok({ principals: principals.list() }),
    )
    app.delete('/principals/:id', { schema: REVOKE_PRINCIPAL_SCHEMA }, async (request) =>
      answer(() => ({ principal: principals.revoke((request.params as { id: string }).id) })),
    )

    app.post('/pairing/start', { ...PUBLIC, schema: PAIRING_START_SCHEMA }, async (request, reply) => {
      limited(starts, request, reply)
      return answer(() => pairing.start(request.body as StartInput, { traceId: request.id }))
    })
    app.post('/pairing/complete', { ...PUBLIC, schema: PAIRING_COMPLETE_SCHEMA }, async (request, reply) => {
      limited(completes, request, reply)
      return answer(() => pairing.complete(request.body as CompleteInput, { traceId: request.id }))
    })
    app.get('/pairing', { schema: PAIRING_LIST_SCHEMA }, async () => ok({ pairings: pairing.list() }))
    app.post('/pairing/:id/approve', { schema: PAIRING_APPROVE_SCHEMA }, async (request) =>
      answer(() => ({ pairing: pairing.approve((request.params as { id: string }).id) })),
    )
    app.delete('/pairing/peers/:peerId', { schema: PAIRING_REVOKE_PEER_SCHEMA }, async (request) =>
      answer(() => ({ principal: pairing.revokePeer((request.params as { peerId: string }).peerId) })),
    )
  }
}
