import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import {
  compileTypePattern,
  LiveDispatcher,
  type LiveHandler,
  type LiveOptions,
  type LiveSubscription,
  type TransportContext,
  type TypeMatcher,
} from '../../bus/index.ts'
import { type Envelope, HubError } from '../../contracts/index.ts'
import { type CodecSettings, decodeMessage, encodeEnvelope, liveHeaders } from './message-codec.ts'
import { readEventHeaders } from './wire-headers.ts'

interface LocalSubscriber {
  matches: TypeMatcher
  dispatcher: LiveDispatcher
}

/**
 * Ephemeral events over core NATS (never JetStream). A plain subscriber in this process gets this
 * process's own events straight from a bounded queue (so a slow one holds the publisher up to
 * blockMs, then loses events with a backpressure report) and other processes' events from NATS;
 * a queue group is a NATS queue subscription, so each event reaches one member across processes.
 */
export class LiveFanout {
  private readonly locals = new Set<LocalSubscriber>()
  private readonly subscriptions = new Set<Subscription>()

  constructor(
    private readonly nc: NatsConnection,
    private readonly context: TransportContext,
    private readonly codec: CodecSettings,
    private readonly origin: string,
  ) {}

  async broadcast(envelope: Envelope): Promise<void> {
    const data = encodeEnvelope(envelope)
    if (data.length > this.codec.maxEventBytes) {
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `event of ${data.length} bytes exceeds the nats transport's maxEventBytes ${this.codec.maxEventBytes}`,
      )
    }
    this.nc.publish(`${this.codec.prefix}.${envelope.type}`, data, {
      headers: liveHeaders(envelope, this.origin),
    })
    const waits: Promise<void>[] = []
    for (const local of this.locals) {
      if (!local.matches(envelope.type)) continue
      const wait = local.dispatcher.dispatch(envelope, true)
      if (wait !== undefined) waits.push(wait)
    }
    if (waits.length > 0) await Promise.all(waits)
  }

  subscribe(filter: string, handler: LiveHandler, options: LiveOptions): LiveSubscription {
    const dispatcher = new LiveDispatcher({
      limits: this.context.live,
      clock: this.context.clock,
      onBackpressure: this.context.onBackpressure,
      onError: this.context.onError,
    })
    const inner = dispatcher.subscribe(filter, handler, options)
    const local: LocalSubscriber = { matches: compileTypePattern(filter), dispatcher }
    const queue = options.queue
    if (queue === undefined) this.locals.add(local)
    const subscription = this.nc.subscribe(`${this.codec.prefix}.${filter}`, {
      ...(queue === undefined ? {} : { queue: `${this.codec.prefix}.${queue}` }),
      callback: (error, message) => {
        if (error !== null) return
        // Read without nats.js's header decoder: it throws on a header name it cannot
        // canonicalise, and a throw here would end the connection's reader (decision 1767).
        const reading = readEventHeaders(message)
        // Stored events also cross core NATS on their way into the stream: consumers deliver those.
        if (reading.ok && reading.headers.live !== '1') return
        if (reading.ok && queue === undefined && reading.headers.origin === this.origin) return
        const decoded = decodeMessage(message, this.codec, 'live', reading)
        if (!decoded.ok) {
          this.context.onError(
            new HubError('E_VALIDATION', `dropped a live message on ${message.subject}: ${decoded.reason}`),
            'nats live',
          )
          return
        }
        void dispatcher.dispatch(decoded.envelope, true)
      },
    })
    this.subscriptions.add(subscription)
    return {
      unsubscribe: () => {
        this.locals.delete(local)
        this.subscriptions.delete(subscription)
        subscription.unsubscribe()
        inner.unsubscribe()
      },
    }
  }

  async close(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe()
    this.subscriptions.clear()
    await Promise.all([...this.locals].map((local) => local.dispatcher.drain()))
    this.locals.clear()
  }
}
