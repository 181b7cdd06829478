import type { BusClient, Subscription } from '../bus/index.ts'
import { toHubError } from '../contracts/index.ts'
import type { FederationService } from './federation-service.ts'

// `resolve.request` on the bus (seed 001: the resolver is reachable by request/reply as well as
// POST /resolve). The reply carries the bindings and lease ids; exec tokens travel in
// exec.lease.granted, because resolve.request.result's schema has no place for them.

/** The consumer that answers resolve.request on this hub. */
export const RESOLVE_CONSUMER = 'federation.resolve'
/** resolve.request.result allows messages up to this length. */
const MAX_MESSAGE_CHARS = 2000

export function answerResolveCommands(
  bus: Pick<BusClient, 'subscribe'>,
  service: FederationService,
): Promise<Subscription> {
  return bus.subscribe(
    'resolve.request',
    async (event, delivery) => {
      try {
        const answer = await service.resolve(event.payload, {
          traceId: event.traceId,
          ...(event.sessionId === undefined ? {} : { sessionId: event.sessionId }),
        })
        await delivery.reply({
          ok: true,
          data: {
            planId: answer.planId,
            bindings: answer.bindings.map((binding) => ({
              stepId: binding.stepId,
              agent: binding.agent,
              capability: binding.capability,
              score: binding.score,
              leaseId: binding.leaseId,
            })),
          },
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
    { durable: RESOLVE_CONSUMER, from: 'new' },
  )
}
