import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream'
import type { Clock, ConsumerConfig, DeliveryHandler } from '../../bus/index.ts'
import { type HubError, toHubError } from '../../contracts/index.ts'
import { type DeadLetterPorts, rejectDelivery } from './consumer-dead-letters.ts'
import { ConsumerDispatcher } from './consumer-dispatcher.ts'
import { startPulls } from './consumer-pulls.ts'
import type { DeadLetters } from './dead-letters.ts'
import { parseRedo } from './dead-letters.ts'
import { deliveryOf } from './delivery-info.ts'
import { type CodecSettings, decodeMessage, storedEnvelope, type WireMessage } from './message-codec.ts'

export interface ConsumerRunnerOptions {
  config: ConsumerConfig
  js: JetStreamClient
  stream: string
  /** JetStream name of the main consumer and of its redo reader. */
  jetStreamName: string
  redoStream: string
  redoName: string
  clock: Clock
  codec: CodecSettings
  deadLetters: DeadLetters
  /** Reads one event of the log by seq (for DLQ retries). */
  readSeq(seq: number): Promise<WireMessage | undefined>
  onError(error: HubError, where: string): void
}

const MIN_HEARTBEAT_MS = 20
const MAX_HEARTBEAT_MS = 5000

/**
 * Runs one bus consumer in this process over a JetStream pull consumer. JetStream keeps the
 * position, the delivery count and the server-side redelivery (BackOff = ackWait + backoff, for a
 * process that died); while this process lives, time is the bus's clock: the handler's ackWait and
 * the backoff before a redelivery are timed here and end in a nak, and held messages are kept
 * alive on the server with +WPI. Session-ordered types keep one message in flight per session.
 * This class takes deliveries off the wire and checks them; ConsumerDispatcher runs the handlers
 * and answers the server.
 */
export class ConsumerRunner {
  readonly name: string
  private readonly dispatcher: ConsumerDispatcher
  private streams: ConsumerMessages[] = []
  private stopped = false
  private heartbeat: NodeJS.Timeout | undefined
  /** The start of this consumer's ack subjects, where the delivery count and seq follow. */
  private readonly ackPrefix: string
  private readonly deadLetterPorts: DeadLetterPorts

  constructor(private readonly options: ConsumerRunnerOptions) {
    this.name = options.config.name
    this.ackPrefix = `$JS.ACK.${options.stream}.${options.jetStreamName}.`
    this.deadLetterPorts = {
      consumer: this.name,
      config: options.config,
      codec: options.codec,
      clock: options.clock,
      deadLetters: options.deadLetters,
      onError: options.onError,
    }
    this.dispatcher = new ConsumerDispatcher({
      name: this.name,
      config: options.config,
      clock: options.clock,
      deadLetterPorts: this.deadLetterPorts,
      onError: options.onError,
      stopped: () => this.stopped,
    })
  }

  get filter(): string {
    return this.options.config.filter
  }

  get memberCount(): number {
    return this.dispatcher.memberCount
  }

  /** Whether this process holds the event (in flight, waiting or in backoff). */
  holds(seq: number): boolean {
    return this.dispatcher.held.event(seq) !== undefined
  }

  async start(serverAckWaitMs: number): Promise<void> {
    this.streams = await startPulls(
      { ...this.options, consumer: this.name },
      (message) => this.receive(message),
      (message) => {
        this.admitRedo(message).catch((error: unknown) =>
          this.options.onError(toHubError(error, 'E_IO'), `nats consumer ${this.name}: a DLQ retry`),
        )
      },
      () => this.stopped,
    )
    const every = Math.max(MIN_HEARTBEAT_MS, Math.min(MAX_HEARTBEAT_MS, Math.floor(serverAckWaitMs / 3)))
    this.heartbeat = setInterval(() => {
      this.dispatcher.held.forEach((entry) => {
        if (entry.state !== 'done') entry.message.working()
      })
    }, every)
    this.heartbeat.unref()
  }

  addMember(handler: DeliveryHandler): DeliveryHandler {
    this.dispatcher.addMember(handler)
    return handler
  }

  removeMember(handler: DeliveryHandler): void {
    this.dispatcher.removeMember(handler)
  }

  /** One delivery from the log's consumer; runs inside nats.js's callback, so it never throws. */
  private receive(message: JsMsg): void {
    // Left unacknowledged after stop(): the server redelivers it to a live member after its ack wait.
    if (this.stopped) return
    try {
      const delivery = deliveryOf(message, this.ackPrefix)
      const known = this.dispatcher.held.event(delivery.seq)
      if (known !== undefined) {
        this.dispatcher.redelivered(known, message, delivery.deliveryCount)
        return
      }
      const decoded = decodeMessage(message, this.options.codec, 'stored')
      this.admit(message, delivery.seq, delivery.deliveryCount, decoded, undefined)
    } catch (error) {
      this.options.onError(toHubError(error, 'E_IO'), `nats consumer ${this.name}: admitting a delivery`)
    }
  }

  private async admitRedo(message: JsMsg): Promise<void> {
    if (this.stopped) return
    const known = this.dispatcher.held.redo(message.seq)
    if (known !== undefined) {
      this.dispatcher.redelivered(known, message, message.info.deliveryCount)
      return
    }
    const request = parseRedo(message.data)
    if (request === undefined) {
      message.term()
      return
    }
    try {
      const raw = await this.options.readSeq(request.seq)
      if (raw === undefined) {
        message.term()
        return
      }
      if (this.stopped) return
      const held = this.dispatcher.held.redo(message.seq)
      if (held !== undefined) {
        // Redelivered while the event was being read: the newest delivery is the one to answer.
        this.dispatcher.redelivered(held, message, message.info.deliveryCount)
        return
      }
      const decoded = decodeMessage(raw, this.options.codec, 'stored')
      this.admit(message, request.seq, message.info.deliveryCount, decoded, raw)
    } catch (error) {
      message.nak(1000)
      this.options.onError(
        toHubError(error, 'E_IO'),
        `nats consumer ${this.name}: reading seq ${request.seq} for a DLQ retry`,
      )
    }
  }

  private admit(
    message: JsMsg,
    seq: number,
    deliveryCount: number,
    decoded: ReturnType<typeof decodeMessage>,
    raw: WireMessage | undefined,
  ): void {
    if (!decoded.ok) {
      // Bad input never reaches a handler, never retries and never holds a session.
      rejectDelivery(this.deadLetterPorts, message, seq, deliveryCount, decoded.reason, raw ?? message).catch(
        (error: unknown) =>
          this.options.onError(toHubError(error, 'E_IO'), `nats consumer ${this.name}: rejecting seq ${seq}`),
      )
      return
    }
    this.dispatcher.admit(message, seq, deliveryCount, storedEnvelope(decoded, seq), raw !== undefined)
  }

  /** Stops pulling, waits (at most ackWaitMs, 10 s) for handlers in flight, and gives the rest back. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const messages of this.streams) messages.stop()
    await this.dispatcher.release(() => clearInterval(this.heartbeat))
  }
}
