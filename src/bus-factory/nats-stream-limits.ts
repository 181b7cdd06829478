import { HubError } from '../contracts/index.ts'
import type { NatsTransportOptions } from '../transports/nats/index.ts'
import { connectLikeTransport } from './nats-connection.ts'

// retention.events on NATS (decision 1601): the server enforces it as the limits of the hub's log
// stream LH_<hubId> (max_age, max_msgs_per_subject), so nothing in the hub sweeps a remote log.

export interface EventsRetentionRule {
  readonly maxAgeDays?: number
  readonly maxCount?: number
}

const NANOSECONDS_PER_DAY = 86_400 * 1e9

/** The log stream's name for a hub id (the NATS transport's naming, docs/nats.md). */
export function natsLogStreamOf(hubId: string): string {
  return `LH_${hubId}`
}

/**
 * Sets the log stream's limits from the rule (0 = unlimited for an absent part). Runs after the
 * transport created the stream; the transport keeps a stream's other settings when it widens it.
 */
export async function applyNatsEventsRetention(
  options: NatsTransportOptions,
  hubId: string,
  rule: EventsRetentionRule,
): Promise<void> {
  const { jetstreamManager } = await import('@nats-io/jetstream')
  const connection = await connectLikeTransport(options, 'retention')
  try {
    const manager = await jetstreamManager(connection)
    const stream = natsLogStreamOf(hubId)
    const info = await manager.streams.info(stream)
    const maxAge = rule.maxAgeDays === undefined ? 0 : Math.round(rule.maxAgeDays * NANOSECONDS_PER_DAY)
    // Per subject, and a subject is one event type: maxCount counts per type, as on SQLite.
    const perType = rule.maxCount ?? -1
    if (info.config.max_age === maxAge && info.config.max_msgs_per_subject === perType) return
    await manager.streams.update(stream, { ...info.config, max_age: maxAge, max_msgs_per_subject: perType })
  } catch (cause) {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `retention.events could not be set as the limits of stream ${natsLogStreamOf(hubId)}: ${(cause as Error).message}`,
      { cause },
    )
  } finally {
    await connection.close()
  }
}
