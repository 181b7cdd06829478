import { HubError } from '../contracts/index.ts'
import type { NatsTransportOptions } from '../transports/nats/index.ts'
import { connectLikeTransport } from './nats-connection.ts'

// retention.events on NATS (decisions 1601, 1625): the server enforces it as the limits of the
// hub's log stream LH_<hubId> (max_age, max_msgs_per_subject, max_bytes; the stream discards the
// oldest messages), so nothing in the hub sweeps a remote log.

export interface EventsRetentionRule {
  readonly maxAgeDays?: number
  readonly maxCount?: number
  /** The stream's stored bytes (JetStream's own count: message data and headers). */
  readonly maxBytes?: number
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
    // -1 is JetStream's "unlimited"; a cap removed from the manifest is removed from the stream.
    const maxBytes = rule.maxBytes === undefined ? -1 : Math.floor(rule.maxBytes)
    if (
      info.config.max_age === maxAge &&
      info.config.max_msgs_per_subject === perType &&
      info.config.max_bytes === maxBytes
    )
      return
    await manager.streams.update(stream, {
      ...info.config,
      max_age: maxAge,
      max_msgs_per_subject: perType,
      max_bytes: maxBytes,
    })
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
