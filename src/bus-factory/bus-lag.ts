import { join } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import { readConsumerLag } from '../store/index.ts'
import type { NatsTransportOptions } from '../transports/nats/index.ts'
import type { BusChoice } from './bus-choice.ts'
import { connectLikeTransport } from './nats-connection.ts'
import { natsLogStreamOf } from './nats-stream-limits.ts'
import { EVENTS_FILE_NAME } from './open-bus.ts'

// How far the hub's consumers are behind its log, for /health and the dashboard (decision 1603).
// NATS: the server's own consumer state on LH_<hubId> (num_pending, num_ack_pending, delivered
// stream seq vs the stream's last seq). SQLite: each durable consumer's ack floor and acks against
// the log head. Memory: nothing to measure outside the bus ("n/a").

/** A lag read gives up after this long (health must answer even when the server does not). */
export const DEFAULT_LAG_TIMEOUT_MS = 2000

export interface ConsumerLag {
  name: string
  filter: string
  durable: boolean
  /** Matching events not yet delivered (NATS) or not yet acknowledged (SQLite). */
  pending: number
  /** Delivered and waiting for an acknowledgement (NATS) or for a redelivery (SQLite). */
  ackPending: number
  /** The last log seq handed to this consumer (NATS) or its ack floor (SQLite). */
  deliveredSeq: number
}

export interface BusLag {
  transport: string
  lastSeq: number
  pending: number
  ackPending: number
  consumers: ConsumerLag[]
  /** One line for the Health page. */
  summary: string
}

export interface BusLagProbe {
  /** undefined: this transport has no lag to report (memory). */
  read(): Promise<BusLag | undefined>
  close(): Promise<void>
}

function summarize(transport: string, lastSeq: number, consumers: ConsumerLag[]): BusLag {
  const pending = consumers.reduce((sum, consumer) => sum + consumer.pending, 0)
  const ackPending = consumers.reduce((sum, consumer) => sum + consumer.ackPending, 0)
  const behind = consumers.filter((consumer) => consumer.pending + consumer.ackPending > 0).length
  const summary =
    `${pending} pending, ${ackPending} awaiting ack; ${behind} of ${consumers.length} consumers behind` +
    ` (log at seq ${lastSeq})`
  return { transport, lastSeq, pending, ackPending, consumers, summary }
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took over ${DEFAULT_LAG_TIMEOUT_MS} ms`)),
      DEFAULT_LAG_TIMEOUT_MS,
    )
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

function natsProbe(options: NatsTransportOptions, hubId: string): BusLagProbe {
  let connection: Promise<NatsConnection> | undefined
  const stream = natsLogStreamOf(hubId)
  async function read(): Promise<BusLag> {
    connection ??= connectLikeTransport(options, 'lag')
    connection.catch(() => {
      connection = undefined
    })
    const { jetstreamManager } = await import('@nats-io/jetstream')
    const manager = await jetstreamManager(await connection)
    const info = await manager.streams.info(stream)
    const consumers: ConsumerLag[] = []
    for await (const consumer of manager.consumers.list(stream)) {
      consumers.push({
        name: consumer.name,
        filter: (consumer.config.filter_subject ?? '>').replace(`hub.${hubId}.`, ''),
        durable: consumer.config.durable_name !== undefined,
        pending: consumer.num_pending,
        ackPending: consumer.num_ack_pending,
        deliveredSeq: consumer.delivered.stream_seq,
      })
    }
    consumers.sort((a, b) => a.name.localeCompare(b.name))
    return summarize('nats', info.state.last_seq, consumers)
  }
  return {
    read: () => withTimeout(read(), `reading the lag of ${stream}`),
    async close() {
      const open = connection
      connection = undefined
      if (open !== undefined) await (await open.catch(() => undefined))?.close()
    },
  }
}

function sqliteProbe(file: string): BusLagProbe {
  return {
    async read() {
      const log = readConsumerLag(file)
      const consumers = log.consumers.map(
        (consumer): ConsumerLag => ({
          name: consumer.name,
          filter: consumer.filter,
          durable: true,
          pending: consumer.pending,
          ackPending: consumer.ackPending,
          deliveredSeq: consumer.ackFloor,
        }),
      )
      return summarize('sqlite', log.lastSeq, consumers)
    },
    async close() {},
  }
}

/** A lag reader for the chosen bus (one NATS connection, opened at the first read). */
export function busLagProbe(choice: BusChoice): BusLagProbe {
  if (choice.transport === 'nats' && choice.hubId !== undefined)
    return natsProbe(choice.open.transportOptions as NatsTransportOptions, choice.hubId)
  if (choice.transport === 'sqlite' && choice.open.dataDir !== undefined)
    return sqliteProbe(join(choice.open.dataDir, EVENTS_FILE_NAME))
  return { read: async () => undefined, close: async () => {} }
}
