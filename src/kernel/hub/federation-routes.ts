import type { FastifyInstance, FastifyRequest } from 'fastify'
import { envelopeResponses, type HttpRouteSchema, ok } from '../../contracts/index.ts'
import type { AgentCaller, ExecRequest, FederationService, ReportRequest } from '../../federation/index.ts'
import { HttpHubError, isOwner, principalOf } from '../server/index.ts'
import { accessOf } from './principal-bus.ts'

// Seed 001's registry and resolver endpoints (docs/federation.md). Bodies are checked by the
// federation service against the catalog's schemas (registry.capability.announced,
// registry.heartbeat, resolve.request), so the pointers in a refusal are into the body itself.

const OBJECT_BODY = { type: 'object' } as const

function schema(summary: string, description: string, body?: Record<string, unknown>): HttpRouteSchema {
  return {
    summary,
    description,
    tags: ['federation'],
    ...(body === undefined ? {} : { body }),
    responses: envelopeResponses({ type: 'object' }),
  }
}

export const ANNOUNCE_SCHEMA = schema(
  'Announce an agent capability manifest',
  'The body is a registry.capability.announced payload (docs/events/registry.md); it replaces what the agent announced before and starts its availability lease (availability.ttlMs). A paired device may announce only agent://member/<peerId> and agent://browser/<peerId> (403 E_PERMISSION_REQUIRED naming the agent otherwise).',
  OBJECT_BODY,
)
export const HEARTBEAT_SCHEMA = schema(
  'Renew an agent lease with telemetry and probe results',
  'The body is a registry.heartbeat payload; send one every 5-10 s, before ttlMs runs out. A paired device may heartbeat only its own agents.',
  OBJECT_BODY,
)
export const REGISTRY_SCHEMA = schema(
  'Agents, their capabilities and leases',
  'Also the public key that verifies exec tokens. A non-owner needs the grant to read registry.capability.announced.',
)
export const RESOLVE_SCHEMA = schema(
  'Bind each step of a plan to an agent and lease it',
  "The body is a resolve.request payload plus optional slots (an object the exec tokens are scoped to) and sessionId (route.changed goes into that session). scenario names a scenario the hub loaded (federation.scenarios) or is an inline scenario object; without steps the scenario's own steps are resolved (docs/scenarios.md). A non-owner needs the grant to publish resolve.request; a paired device's member:self and browser:current hints name its own agents.",
  OBJECT_BODY,
)
export const EXEC_SCHEMA = schema(
  'Start a leased step with its exec token',
  'Each lease starts its step once. A non-owner may start only steps leased to an agent it owns.',
  {
    type: 'object',
    additionalProperties: false,
    required: ['token', 'stepId'],
    properties: {
      token: { type: 'string', minLength: 1, maxLength: 4096 },
      stepId: { type: 'string', minLength: 1, maxLength: 100 },
      slots: { type: 'object', maxProperties: 50 },
    },
  },
)

export const REPORT_SCHEMA = schema(
  'Report the output or failure of a dispatched step',
  "The agent holding the step's current lease sends its exec token with ok and output (or error). A result from a lease the step moved away from is refused (reason stale) and ignored. A non-owner may report only for an agent it owns.",
  {
    type: 'object',
    additionalProperties: false,
    required: ['token', 'stepId', 'ok'],
    properties: {
      token: { type: 'string', minLength: 1, maxLength: 4096 },
      stepId: { type: 'string', minLength: 1, maxLength: 100 },
      ok: { type: 'boolean' },
      output: { type: 'object', maxProperties: 50 },
      error: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', minLength: 1, maxLength: 100 },
          message: { type: 'string', maxLength: 2000 },
        },
      },
    },
  },
)

/** Events published for a request carry its trace id (the x-trace-id the client sent or was given). */
function contextOf(request: FastifyRequest): { traceId: string } {
  return { traceId: request.id }
}

/**
 * The caller as the federation service sees it: undefined for the owner (every agent is its
 * own), else its principal id and paired peer id; the service checks agent ownership (decision 2014).
 */
function callerOf(request: FastifyRequest): AgentCaller | undefined {
  const principal = principalOf(request)
  if (principal === undefined || isOwner(principal)) return undefined
  return { principal: principal.id, ...(principal.peerId === undefined ? {} : { peerId: principal.peerId }) }
}

/** A non-owner needs the grant to publish (or read) `type`, as POST /chat needs chat.query. */
function requireGrant(request: FastifyRequest, action: 'publish' | 'read', type: string, what: string): void {
  const principal = principalOf(request)
  const access = principal === undefined ? undefined : accessOf(principal)
  if (access === undefined) return
  const allowed = action === 'publish' ? access.mayPublish(type) : access.mayRead(type)
  if (!allowed) {
    throw new HttpHubError(403, 'E_PERMISSION_REQUIRED', `${what} needs the grant to ${action} ${type}`, {
      principal: principal?.id,
      action,
      type,
    })
  }
}

/** Members reach these routes; each checks the caller itself (decisions 2011, 2014, 2015). */
const MEMBERS = { members: true } as const

/** POST /registry/announce, POST /registry/heartbeat, GET /registry, POST /resolve, POST /exec, POST /exec/report. */
export function federationRoutes(federation: FederationService) {
  return (app: FastifyInstance) => {
    app.post('/registry/announce', { schema: ANNOUNCE_SCHEMA, config: MEMBERS }, async (request) =>
      ok(await federation.announce(request.body, contextOf(request), callerOf(request))),
    )
    app.post('/registry/heartbeat', { schema: HEARTBEAT_SCHEMA, config: MEMBERS }, async (request) =>
      ok(await federation.heartbeat(request.body, contextOf(request), false, callerOf(request))),
    )
    app.get('/registry', { schema: REGISTRY_SCHEMA, config: MEMBERS }, async (request) => {
      // What GET /registry lists is what registry.* events carry already.
      requireGrant(request, 'read', 'registry.capability.announced', 'GET /registry')
      return ok(federation.list())
    })
    app.post('/resolve', { schema: RESOLVE_SCHEMA, config: MEMBERS }, async (request) => {
      requireGrant(request, 'publish', 'resolve.request', 'POST /resolve')
      return ok(await federation.resolve(request.body, contextOf(request), callerOf(request)))
    })
    app.post('/exec', { schema: EXEC_SCHEMA, config: MEMBERS }, async (request) =>
      ok(await federation.exec(request.body as ExecRequest, contextOf(request), callerOf(request))),
    )
    app.post('/exec/report', { schema: REPORT_SCHEMA, config: MEMBERS }, async (request) =>
      ok(await federation.report(request.body as ReportRequest, callerOf(request))),
    )
  }
}
