import type { HubError } from '../../contracts/index.ts'
import type { SkillLogger } from '../../skill-api/index.ts'
import type { FrameConnection } from './frame-connection.ts'

/** The tool calls and event pushes of a skill whose host may come and go (stdio child or NATS attach). */
export interface ReadyHostCalls {
  call(toolId: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>
  push(pattern: string, event: { id: string } & Record<string, unknown>): void
}

/**
 * Calls go to the host's connection while it is ready and are refused with `notReady()` otherwise;
 * events pushed while it is not ready are dropped (the host syncs afresh when it comes back), and
 * a push the connection refuses is logged, never thrown at the publisher.
 */
export function readyHostCalls(
  readyConnection: () => FrameConnection | undefined,
  notReady: () => HubError,
  logger: SkillLogger,
): ReadyHostCalls {
  return {
    call(toolId, args, signal) {
      const connection = readyConnection()
      if (connection === undefined) return Promise.reject(notReady())
      return connection.call(toolId, args, signal)
    },
    push(pattern, event) {
      const connection = readyConnection()
      if (connection === undefined) return
      try {
        connection.push(pattern, event)
      } catch (error) {
        logger.warn('event not delivered to the skill host', { message: (error as Error).message })
      }
    },
  }
}
