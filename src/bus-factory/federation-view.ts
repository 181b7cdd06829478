import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { type Envelope, HubError } from '../contracts/index.ts'
import type { NatsTransportOptions } from '../transports/nats/index.ts'
import type { BusChoice } from './bus-choice.ts'

const nanos = (ms: number) => ms * 1_000_000

import { connectLikeTransport } from './nats-connection.ts'

// The dashboard's federation view (decision 1642): every hub's events as the root holds them. The
// root keeps each hub's log in ROOT_HUB_<hubId> (decision 1605) in its JetStream domain `root`;
// a hub's process reads those copies across its leafnode through `$JS.root.API` (the default
// policy lets the hub user read them, nothing more), on a connection beside the bus. Each event
// keeps the seq it has on its own hub (the copy's Nats-Stream-Source header) and says its hub.

export const ROOT_JETSTREAM_DOMAIN = 'root'
export const ROOT_COPY_PREFIX = 'ROOT_HUB_'
/** How long a request to the root may take before the view reports it unreachable. */
export const DEFAULT_FEDERATION_TIMEOUT_MS = 3000
/** Copies larger than this are not events of ours; they are skipped, not shown. */
export const DEFAULT_FEDERATION_MAX_EVENT_BYTES = 1024 * 1024

export interface FederatedEvent extends Envelope {
  /** The hub that recorded the event. */
  hubId: string
}

export interface FederationQuery {
  /** A type pattern (chat.>, *.start). */
  filter?: string
  /** replay: how many of the newest events (per hub, merged by time, the newest `limit` kept). */
  limit?: number
}

export interface FederationTail {
  close(): void
}

export interface FederationView {
  /** The newest events of every hub the root copies, oldest first. */
  replay(query: FederationQuery): Promise<FederatedEvent[]>
  /** New events of every hub as the root receives them; `onError` once if the root cannot be read. */
  tail(
    query: FederationQuery,
    listener: (event: FederatedEvent) => void,
    onError: (error: HubError) => void,
  ): FederationTail
  close(): Promise<void>
}

interface Copy {
  hubId: string
  stream: string
  firstSeq: number
  lastSeq: number
}

function unreachable(error: unknown): HubError {
  if (error instanceof HubError) return error
  const message = (error as Error)?.message ?? String(error)
  return new HubError(
    'E_DEPENDENCY_UNAVAILABLE',
    `the federation view reads the root's copies over the leafnode, and that failed: ${message} (is the root up and this hub linked? localhub nats federation on the root)`,
  )
}

/** The hub's seq of a copied event, from the `Nats-Stream-Source: LH_<id>… <seq> …` header. */
function hubSeqOf(message: JsMsg): number | undefined {
  const source = message.headers?.get('Nats-Stream-Source')
  const token = source?.split(' ')[1]
  const seq = token === undefined ? Number.NaN : Number(token)
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined
}

function decode(message: JsMsg, hubId: string): FederatedEvent | undefined {
  if (message.data.length > DEFAULT_FEDERATION_MAX_EVENT_BYTES) return undefined
  let value: unknown
  try {
    value = message.json()
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const event = value as Record<string, unknown>
  const type = message.subject.slice(`hub.${hubId}.`.length)
  // A copy is shown only as what its subject says it is: hub.<hubId>.<type>, with that type inside.
  if (!message.subject.startsWith(`hub.${hubId}.`) || event.type !== type) return undefined
  if (typeof event.id !== 'string' || typeof event.ts !== 'string') return undefined
  const seq = hubSeqOf(message)
  const sessionSeq = Number(message.headers?.get('Lh-Session-Seq') ?? '')
  return {
    ...(event as unknown as Envelope),
    ...(seq === undefined ? {} : { seq }),
    ...(Number.isSafeInteger(sessionSeq) && sessionSeq > 0 ? { sessionSeq } : {}),
    hubId,
  }
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took over ${DEFAULT_FEDERATION_TIMEOUT_MS} ms`)),
      DEFAULT_FEDERATION_TIMEOUT_MS,
    )
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

const byTime = (a: FederatedEvent, b: FederatedEvent) =>
  a.ts < b.ts
    ? -1
    : a.ts > b.ts
      ? 1
      : a.hubId < b.hubId
        ? -1
        : a.hubId > b.hubId
          ? 1
          : (a.seq ?? 0) - (b.seq ?? 0)

/** The JetStream client loads on the first federation read: a hub that never shows it stays lean (decision 1711). */
const loadJetStream = () => import('@nats-io/jetstream')

/** The federation view of a hub on NATS; undefined on another bus (there is no root to read). */
export function federationView(choice: BusChoice): FederationView | undefined {
  if (choice.transport !== 'nats') return undefined
  const options = choice.open.transportOptions as NatsTransportOptions
  let connection: Promise<NatsConnection> | undefined
  const tails = new Set<() => void>()

  const connected = (): Promise<NatsConnection> => {
    connection ??= connectLikeTransport(options, 'federation').catch((error: unknown) => {
      connection = undefined
      throw error
    })
    return connection
  }

  const copies = async (nc: NatsConnection): Promise<Copy[]> => {
    const { jetstreamManager } = await loadJetStream()
    const manager = await jetstreamManager(nc, {
      domain: ROOT_JETSTREAM_DOMAIN,
      timeout: DEFAULT_FEDERATION_TIMEOUT_MS,
    })
    const found: Copy[] = []
    for await (const name of manager.streams.names()) {
      if (!name.startsWith(ROOT_COPY_PREFIX)) continue
      const info = await manager.streams.info(name)
      found.push({
        hubId: name.slice(ROOT_COPY_PREFIX.length),
        stream: name,
        firstSeq: info.state.first_seq,
        lastSeq: info.state.last_seq,
      })
    }
    return found.sort((a, b) => (a.hubId < b.hubId ? -1 : 1))
  }

  const consumerOf = async (
    nc: NatsConnection,
    copy: Copy,
    filter: string | undefined,
    startSeq: number,
  ): Promise<Consumer> => {
    const { jetstream, DeliverPolicy } = await loadJetStream()
    const js = jetstream(nc, { domain: ROOT_JETSTREAM_DOMAIN, timeout: DEFAULT_FEDERATION_TIMEOUT_MS })
    return js.consumers.get(copy.stream, {
      filter_subjects: `hub.${copy.hubId}.${filter ?? '>'}`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(startSeq, 1),
    })
  }

  /**
   * The newest `limit` stored messages of a copy that match the filter. An ephemeral consumer
   * says how many there are (num_pending), so the fetch asks for exactly that many and returns
   * at once instead of waiting out its expiry when fewer match.
   */
  const newestOf = async (
    nc: NatsConnection,
    copy: Copy,
    filter: string | undefined,
    limit: number,
  ): Promise<FederatedEvent[]> => {
    const { jetstream, jetstreamManager, AckPolicy, DeliverPolicy } = await loadJetStream()
    const manager = await jetstreamManager(nc, {
      domain: ROOT_JETSTREAM_DOMAIN,
      timeout: DEFAULT_FEDERATION_TIMEOUT_MS,
    })
    const info = await manager.consumers.add(copy.stream, {
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(copy.firstSeq, copy.lastSeq - limit + 1, 1),
      filter_subject: `hub.${copy.hubId}.${filter ?? '>'}`,
      inactive_threshold: nanos(DEFAULT_FEDERATION_TIMEOUT_MS * 10),
      mem_storage: true,
    })
    const events: FederatedEvent[] = []
    try {
      const wanted = Math.min(info.num_pending, limit)
      if (wanted === 0) return events
      const js = jetstream(nc, { domain: ROOT_JETSTREAM_DOMAIN, timeout: DEFAULT_FEDERATION_TIMEOUT_MS })
      const consumer = await js.consumers.get(copy.stream, info.name)
      let received = 0
      for await (const message of await consumer.fetch({
        max_messages: wanted,
        expires: DEFAULT_FEDERATION_TIMEOUT_MS,
      })) {
        const event = decode(message, copy.hubId)
        if (event !== undefined) events.push(event)
        if (++received >= wanted) break
      }
      return events
    } finally {
      await manager.consumers.delete(copy.stream, info.name).catch(() => undefined)
    }
  }

  return {
    async replay(query) {
      const limit = query.limit ?? 100
      try {
        const nc = await withTimeout(connected(), 'connecting')
        const events: FederatedEvent[] = []
        for (const copy of await withTimeout(copies(nc), 'listing the root copies')) {
          if (copy.lastSeq < copy.firstSeq) continue
          events.push(...(await newestOf(nc, copy, query.filter, limit)))
        }
        return events.sort(byTime).slice(-limit)
      } catch (error) {
        throw unreachable(error)
      }
    },
    tail(query, listener, onError) {
      let stopped = false
      const running: ConsumerMessages[] = []
      const stop = () => {
        stopped = true
        for (const messages of running) messages.stop()
        tails.delete(stop)
      }
      tails.add(stop)
      void (async () => {
        const nc = await withTimeout(connected(), 'connecting')
        for (const copy of await withTimeout(copies(nc), 'listing the root copies')) {
          if (stopped) return
          const consumer = await consumerOf(nc, copy, query.filter, copy.lastSeq + 1)
          const messages = await consumer.consume()
          running.push(messages)
          void (async () => {
            for await (const message of messages) {
              if (stopped) return
              const event = decode(message, copy.hubId)
              if (event !== undefined) listener(event)
            }
          })()
        }
      })().catch((error: unknown) => {
        if (stopped) return
        stop()
        onError(unreachable(error))
      })
      return { close: stop }
    },
    async close() {
      for (const stop of [...tails]) stop()
      const open = connection
      connection = undefined
      if (open !== undefined) await (await open.catch(() => undefined))?.close()
    },
  }
}
