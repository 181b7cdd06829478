import type { FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import { storedJsonOf } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { HttpHubError, sendError } from './error-replies.ts'
import { parseTailQuery } from './event-query.ts'
import { federationOf, scopeOf, serveFederationTail } from './federation-scope.ts'
import { isOwner, principalOf, type RouteAccessConfig } from './security-hooks.ts'
import type { ServerMetrics } from './server-metrics.ts'
import type { ServerConfig } from './server-options.ts'
import type { HubPort, TailSubscription } from './server-types.ts'
import { refuseWithoutUpgrade } from './websocket-upgrade.ts'
import { type CorkableStream, WS_CLOSE_INTERNAL_ERROR, WsTailClient } from './ws-tail-client.ts'

/** Close reasons are limited to 123 bytes by the protocol. */
const MAX_CLOSE_REASON_CHARS = 100
/** RFC 6455: the purpose of the connection has been fulfilled. */
const WS_CLOSE_NORMAL = 1000

export interface WsClientEntry {
  socket: WebSocket
  client: WsTailClient
  alive: boolean
  /** Whose token opened it: revoking that principal closes it. */
  principalId: string
}

export interface WsRegistry {
  clients: Set<WsClientEntry>
  /** Total bytes queued in user space for all clients. */
  bufferedBytes(): number
}

export function createWsRegistry(): WsRegistry {
  const clients = new Set<WsClientEntry>()
  return {
    clients,
    bufferedBytes: () => {
      let total = 0
      for (const entry of clients) total += entry.socket.bufferedAmount
      return total
    },
  }
}

/**
 * The TCP socket under a `ws` WebSocket (its `_socket`, set once the upgrade is done), so the
 * tail client can cork it for a delivery turn; nothing when ws does not expose one.
 */
export function streamOf(socket: WebSocket): { stream?: CorkableStream } {
  const stream = (socket as unknown as { _socket?: Partial<CorkableStream> })._socket
  return typeof stream?.cork === 'function' && typeof stream.uncork === 'function'
    ? { stream: stream as CorkableStream }
    : {}
}

/**
 * An event's text for the tail: the stored JSON the bus kept for it (the tail's live consumer asks
 * for it, decision 1774), else one serialisation per event however many clients receive it.
 */
export function createSerialiser(): (event: Envelope) => string {
  const serialised = new WeakMap<Envelope, string>()
  return (event) => {
    let text = storedJsonOf(event) ?? serialised.get(event)
    if (text === undefined) {
      text = JSON.stringify(event)
      serialised.set(event, text)
    }
    return text
  }
}

/** WS /ws/events: live tail; `from=<seq>` resumes with no gap, `filter=<pattern>` narrows by type. */
export function registerWsEventsRoute(
  app: FastifyInstance,
  context: { hub: HubPort; config: ServerConfig; metrics: ServerMetrics; registry: WsRegistry },
): void {
  const { hub, config, metrics, registry } = context
  const serialise = createSerialiser()

  // Dead peers (no pong since the last ping) are cut; one timer for all clients.
  const pinger = setInterval(() => {
    for (const entry of registry.clients) {
      if (!entry.alive) {
        entry.socket.terminate()
        continue
      }
      entry.alive = false
      entry.socket.ping()
    }
  }, config.wsPingIntervalMs)
  pinger.unref()
  app.addHook('onClose', async () => clearInterval(pinger))

  app.get(
    '/ws/events',
    {
      websocket: true,
      // Members too: the hub delivers only the types their grants allow (decision 2011).
      config: { members: true } satisfies RouteAccessConfig,
      preValidation: async (request, reply) => {
        const refused = refuseWithoutUpgrade(request, reply, '/ws/events')
        if (refused !== undefined) return refused
        const scoped = scopeOf(request.query as Record<string, unknown>, 'tail')
        if (scoped.scope === 'hub') {
          const parameters = parseTailQuery(scoped.rest)
          // A filter the principal may see nothing of is refused before the upgrade, with the envelope.
          hub.checkRead?.(parameters.filter ?? '>', principalOf(request)!)
        } else {
          if (!isOwner(principalOf(request)))
            throw new HttpHubError(403, 'E_PERMISSION_REQUIRED', 'scope=federation is for the owner')
          federationOf(hub)
        }
        if (registry.clients.size >= config.wsMaxClients) {
          return sendError(
            reply,
            new HttpHubError(503, 'E_RESOURCE_LIMIT', `at most ${config.wsMaxClients} WebSocket clients`),
          )
        }
      },
    },
    (socket, request) => {
      const scoped = scopeOf(request.query as Record<string, unknown>, 'tail')
      if (scoped.scope === 'federation') {
        // Every hub's events, read at the root (decision 1642).
        return serveFederationTail(socket, federationOf(hub), scoped.parameters, config.wsQueueLimitBytes)
      }
      const parameters = parseTailQuery(scoped.rest)
      const client = new WsTailClient(
        socket,
        {
          queueLimitBytes: config.wsQueueLimitBytes,
          drainWaitMs: config.wsDrainWaitMs,
          closeGraceMs: config.wsCloseGraceMs,
        },
        {
          serialise,
          ...streamOf(socket),
          onSent: (kind) => metrics.wsEventsSent.inc({ kind }),
          onDropped: () => metrics.wsEventsDropped.inc({ reason: 'slow_client' }),
          onClosedSlow: () => metrics.wsClosedSlow.inc(),
        },
        parameters.fromSeq,
      )
      const entry: WsClientEntry = { socket, client, alive: true, principalId: principalOf(request)!.id }
      registry.clients.add(entry)
      const controller = new AbortController()
      let subscription: TailSubscription | undefined
      socket.on('pong', () => {
        entry.alive = true
      })
      socket.on('close', () => {
        registry.clients.delete(entry)
        client.closedBySocket()
        controller.abort()
        subscription?.close()
      })
      try {
        subscription = hub.tail(
          { ...parameters, principal: principalOf(request)! },
          (event) => client.offer(event),
          controller.signal,
          // A bounded tail (to, until, limit) is done: a normal close after what was sent.
          (reason) => client.close(WS_CLOSE_NORMAL, reason.slice(0, MAX_CLOSE_REASON_CHARS)),
        )
      } catch (error) {
        request.log.warn({ err: error }, 'tail failed')
        client.close(
          WS_CLOSE_INTERNAL_ERROR,
          String((error as Error).message).slice(0, MAX_CLOSE_REASON_CHARS),
        )
      }
    },
  )
}
