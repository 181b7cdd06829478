import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { ok } from '../../contracts/index.ts'
import { HEALTH_SCHEMA, METRICS_SCHEMA, ROOT_SCHEMA, SESSIONS_SCHEMA } from './route-schemas.ts'
import { principalOf, type RouteAccessConfig } from './security-hooks.ts'
import type { HubPort } from './server-types.ts'

export interface ServerStats {
  wsClients: number
  /** Bytes queued in user space for all WebSocket clients (bounded by the slow-client policy). */
  wsBufferedBytes: number
  chatsInFlight: number
}

/** GET / (placeholder until the dashboard), /health (public, minimal without a token), /sessions, /metrics. */
export function registerInfoRoutes(
  app: FastifyInstance,
  context: { hub: HubPort; registry: Registry; version: string; startedAt: number; stats: () => ServerStats },
): void {
  const { hub, registry, version } = context
  app.get('/', { schema: ROOT_SCHEMA }, async () =>
    ok({
      name: 'localhub',
      version,
      routes: ['/chat', '/events', '/ws/events', '/sessions', '/metrics', '/health'],
    }),
  )

  const publicRoute: { config: RouteAccessConfig } = { config: { public: true } }
  app.get('/health', { ...publicRoute, schema: HEALTH_SCHEMA }, async (request) => {
    const report = await hub.health()
    // Without a token only the verdict: component names and versions help an attacker more than a user.
    if (principalOf(request) === undefined) return ok({ status: report.status })
    return ok({
      ...report,
      version,
      pid: process.pid,
      uptimeMs: Date.now() - context.startedAt,
      server: context.stats(),
    })
  })

  app.get('/sessions', { schema: SESSIONS_SCHEMA }, async () => ok(await hub.sessions()))

  app.get('/metrics', { schema: METRICS_SCHEMA }, async (_request, reply) => {
    reply.header('content-type', registry.contentType)
    return registry.metrics()
  })
}
