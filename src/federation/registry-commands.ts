import type { BusClient, Subscription } from '../bus/index.ts'
import { type Envelope, toHubError } from '../contracts/index.ts'
import type { AgentCaller } from './agent-ownership.ts'
import type { FederationService } from './federation-service.ts'

// The registry over the bus (decision 2031), for agents attached to the hub's bus rather than its
// HTTP API: `registry.announce` (a command, answered by registry.announce.result) does what
// POST /registry/announce does, and a `registry.heartbeat` an agent publishes itself renews its
// lease like POST /registry/heartbeat (the hub applies it without publishing it again; the ones
// the hub publishes for HTTP heartbeats carry source `federation` and are skipped).

export const ANNOUNCE_CONSUMER = 'federation.announce'
const MAX_MESSAGE_CHARS = 2000
const HUB_SOURCE = 'federation'

/**
 * The principal behind a bus event: the hub stamps `meta.principal` (and `meta.peer` for a paired
 * device) on every event a non-owner publishes through POST /events and drops any such claim
 * from the body (decision 2012). Without it the event came from the owner or a component on the
 * bus (a skill, within its manifest's permissions), which may speak for any agent as before.
 */
export function callerOfEvent(event: Pick<Envelope, 'meta'>): AgentCaller | undefined {
  const meta = event.meta as Record<string, unknown> | undefined
  if (meta === undefined || typeof meta.principal !== 'string') return undefined
  const peer = meta.peer as { id?: unknown } | undefined
  return {
    principal: meta.principal,
    ...(peer !== undefined && typeof peer.id === 'string' ? { peerId: peer.id } : {}),
  }
}

export async function answerRegistryCommands(
  bus: Pick<BusClient, 'subscribe'>,
  service: FederationService,
  onError: (error: unknown) => void = () => undefined,
): Promise<Subscription[]> {
  const announce = await bus.subscribe(
    'registry.announce',
    async (event, delivery) => {
      try {
        const view = await service.announce(
          event.payload,
          {
            traceId: event.traceId,
            ...(event.sessionId === undefined ? {} : { sessionId: event.sessionId }),
          },
          callerOfEvent(event),
        )
        await delivery.reply({
          ok: true,
          data: { agent: view.agent, leaseExpiresAt: view.leaseExpiresAt, dispatched: view.dispatched },
        })
      } catch (error) {
        const failure = toHubError(error)
        await delivery.reply({
          ok: false,
          error: {
            code: failure.code,
            message: failure.message.slice(0, MAX_MESSAGE_CHARS),
            ...(failure.details === undefined ? {} : { details: failure.details }),
          },
        })
      }
    },
    { durable: ANNOUNCE_CONSUMER, from: 'new' },
  )
  // Heartbeats are ephemeral (at-most-once, live only): a lost one is made up by the next.
  const heartbeats = await bus.subscribe('registry.heartbeat', async (event) => {
    if (event.source === HUB_SOURCE) return
    await service
      .heartbeat(event.payload, { traceId: event.traceId }, true, callerOfEvent(event))
      .catch(onError)
  })
  return [announce, heartbeats]
}
