import type { FastifyInstance, FastifyRequest } from 'fastify'
import { envelopeResponses, type HttpRouteSchema, ok } from '../../contracts/index.ts'
import type { ExecRequest, FederationService } from '../../federation/index.ts'

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
  'The body is a registry.capability.announced payload (docs/events/registry.md); it replaces what the agent announced before and starts its availability lease (availability.ttlMs).',
  OBJECT_BODY,
)
export const HEARTBEAT_SCHEMA = schema(
  'Renew an agent lease with telemetry and probe results',
  'The body is a registry.heartbeat payload; send one every 5-10 s, before ttlMs runs out.',
  OBJECT_BODY,
)
export const REGISTRY_SCHEMA = schema(
  'Agents, their capabilities and leases',
  'Also the public key that verifies exec tokens.',
)
export const RESOLVE_SCHEMA = schema(
  'Bind each step of a plan to an agent and lease it',
  'The body is a resolve.request payload plus optional slots (an object the exec tokens are scoped to) and sessionId (route.changed goes into that session).',
  OBJECT_BODY,
)
export const EXEC_SCHEMA = schema(
  'Start a leased step with its exec token',
  'Each lease starts its step once.',
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

/** Events published for a request carry its trace id (the x-trace-id the client sent or was given). */
function contextOf(request: FastifyRequest): { traceId: string } {
  return { traceId: request.id }
}

/** POST /registry/announce, POST /registry/heartbeat, GET /registry, POST /resolve, POST /exec. */
export function federationRoutes(federation: FederationService) {
  return (app: FastifyInstance) => {
    app.post('/registry/announce', { schema: ANNOUNCE_SCHEMA }, async (request) =>
      ok(await federation.announce(request.body, contextOf(request))),
    )
    app.post('/registry/heartbeat', { schema: HEARTBEAT_SCHEMA }, async (request) =>
      ok(await federation.heartbeat(request.body, contextOf(request))),
    )
    app.get('/registry', { schema: REGISTRY_SCHEMA }, async () => ok(federation.list()))
    app.post('/resolve', { schema: RESOLVE_SCHEMA }, async (request) =>
      ok(await federation.resolve(request.body, contextOf(request))),
    )
    app.post('/exec', { schema: EXEC_SCHEMA }, async (request) =>
      ok(await federation.exec(request.body as ExecRequest, contextOf(request))),
    )
  }
}
