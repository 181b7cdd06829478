import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream'
import type { Clock, ConsumerConfig, DeliveryHandler } from '../../bus/index.ts'
import { type HubError, toHubError } from '../../contracts/index.ts'
import { AckDeadlines } from './ack-deadlines.ts'
import { type DeadLetterPorts, deadLetterEntry, rejectDelivery } from './consumer-dead-letters.ts'
import { type Entry, inflightWith } from './consumer-entry.ts'
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
 */
export class ConsumerRunner {
  readonly name: string
  private readonly members: DeliveryHandler[] = []
  private nextMember = 0
  /** Held events by stream seq (from the log's consumer) and redo entries by redo message seq. */
  private readonly entries = new Map<number, Entry>()
  private readonly redos = new Map<number, Entry>()
  private readonly sessions = new Map<string, Entry[]>()
  private streams: ConsumerMessages[] = []
  private stopped = false
  private heartbeat: NodeJS.Timeout | undefined
  private readonly deadlines: AckDeadlines
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
    this.deadlines = new AckDeadlines({
      clock: options.clock,
      config: options.config,
      held: () => this.entries.size + this.redos.size,
      expired: (entry, token, error) => this.settle(entry, token, error),
    })
  }

  get filter(): string {
    return this.options.config.filter
  }

  get memberCount(): number {
    return this.members.length
  }

  /** Whether this process holds the event (in flight, waiting or in backoff). */
  holds(seq: number): boolean {
    return this.entries.has(seq)
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
      for (const held of [this.entries, this.redos])
        for (const entry of held.values()) if (entry.state !== 'done') entry.message.working()
    }, every)
    this.heartbeat.unref()
  }

  addMember(handler: DeliveryHandler): DeliveryHandler {
    this.members.push(handler)
    if (this.members.length === 1) {
      for (const entry of [...this.entries.values(), ...this.redos.values()])
        if (entry.state === 'waiting' && this.isSessionHead(entry)) this.dispatch(entry)
    }
    return handler
  }

  removeMember(handler: DeliveryHandler): void {
    const index = this.members.indexOf(handler)
    if (index >= 0) this.members.splice(index, 1)
  }

  /** One delivery from the log's consumer; runs inside nats.js's callback, so it never throws. */
  private receive(message: JsMsg): void {
    // Left unacknowledged after stop(): the server redelivers it to a live member after its ack wait.
    if (this.stopped) return
    try {
      const delivery = deliveryOf(message, this.ackPrefix)
      const known = this.entries.get(delivery.seq)
      if (known !== undefined) {
        this.redelivered(known, message, delivery.deliveryCount)
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
    const known = this.redos.get(message.seq)
    if (known !== undefined) {
      this.redelivered(known, message, message.info.deliveryCount)
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
      const held = this.redos.get(message.seq)
      if (held !== undefined) {
        // Redelivered while the event was being read: the newest delivery is the one to answer.
        this.redelivered(held, message, message.info.deliveryCount)
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

  /** A redelivery of something held here (after a nak, or the server's own timer): newest wins. */
  private redelivered(known: Entry, message: JsMsg, deliveryCount: number): void {
    known.message = message
    known.attempt = deliveryCount
    if (known.state === 'backoff' || (known.state === 'waiting' && this.isSessionHead(known)))
      this.dispatch(known)
  }

  private admit(
    message: JsMsg,
    seq: number,
    deliveryCount: number,
    decoded: ReturnType<typeof decodeMessage>,
    raw: WireMessage | undefined,
  ): void {
    const redo = raw !== undefined
    if (!decoded.ok) {
      // Bad input never reaches a handler, never retries and never holds a session.
      rejectDelivery(this.deadLetterPorts, message, seq, deliveryCount, decoded.reason, raw ?? message).catch(
        (error: unknown) =>
          this.options.onError(toHubError(error, 'E_IO'), `nats consumer ${this.name}: rejecting seq ${seq}`),
      )
      return
    }
    const envelope = storedEnvelope(decoded, seq)
    const ordered =
      !redo && envelope.sessionId !== undefined && this.options.config.isSessionOrdered(envelope.type)
    const entry: Entry = {
      redo,
      message,
      seq,
      envelope,
      sessionKey: ordered ? envelope.sessionId : undefined,
      state: 'waiting',
      attempt: deliveryCount,
      token: 0,
      timer: undefined,
      settled: undefined,
    }
    if (redo) this.redos.set(message.seq, entry)
    else this.entries.set(seq, entry)
    if (entry.sessionKey !== undefined) {
      const queue = this.sessions.get(entry.sessionKey)
      if (queue !== undefined) {
        queue.push(entry)
        return
      }
      this.sessions.set(entry.sessionKey, [entry])
    }
    this.dispatch(entry)
  }

  private isSessionHead(entry: Entry): boolean {
    return entry.sessionKey === undefined || this.sessions.get(entry.sessionKey)?.[0] === entry
  }

  private dispatch(entry: Entry): void {
    if (this.stopped) return
    const members = this.members.length
    if (members === 0) {
      entry.state = 'waiting'
      return
    }
    const handler = members === 1 ? this.members[0]! : this.members[this.nextMember++ % members]!
    entry.state = 'inflight'
    const token = ++entry.token
    if (entry.timer !== undefined) {
      this.options.clock.clearTimeout(entry.timer)
      entry.timer = undefined
    }
    this.deadlines.start(entry, token)
    let result: Promise<void>
    try {
      const returned = handler(entry.envelope, {
        consumer: this.name,
        seq: entry.seq,
        attempt: entry.attempt,
      })
      // A handler may return a plain value (a synchronous one, decision 1771).
      result = typeof returned?.then === 'function' ? returned : Promise.resolve()
    } catch (error) {
      result = Promise.reject(error)
    }
    entry.settled = result.then(
      () => this.settle(entry, token, undefined),
      (error: unknown) => this.settle(entry, token, error ?? new Error('handler failed')),
    )
  }

  private settle(entry: Entry, token: number, error: unknown): void {
    if (!inflightWith(entry, token)) return
    const { clock, config } = this.options
    if (error === undefined) {
      // Sent at once, after the handler finished: nats.js queues it and writes everything queued
      // in this microtask run together, so the acks of handlers that finish together share one
      // socket write (decision 1765).
      entry.message.ack()
      this.complete(entry)
      this.deadlines.trim()
      return
    }
    const lastError = error instanceof Error ? error.message : String(error)
    if (entry.attempt >= config.maxDeliver) {
      void this.deadLetter(entry, lastError)
      return
    }
    if (this.stopped) return
    const backoff = config.backoffMs
    const delay = backoff.length === 0 ? 0 : backoff[Math.min(entry.attempt - 1, backoff.length - 1)]!
    entry.state = 'backoff'
    entry.timer = clock.setTimeout(() => {
      if (entry.state === 'backoff' && !this.stopped) entry.message.nak()
    }, delay)
    this.deadlines.trim()
  }

  private async deadLetter(entry: Entry, lastError: string): Promise<void> {
    entry.state = 'done'
    this.deadlines.trim()
    await deadLetterEntry(this.deadLetterPorts, entry, lastError)
    this.complete(entry)
  }

  private complete(entry: Entry): void {
    entry.state = 'done'
    if (entry.timer !== undefined) this.options.clock.clearTimeout(entry.timer)
    if (entry.redo) this.redos.delete(entry.message.seq)
    else this.entries.delete(entry.seq)
    if (entry.sessionKey === undefined) return
    const queue = this.sessions.get(entry.sessionKey)
    if (queue === undefined || queue[0] !== entry) return
    queue.shift()
    const next = queue[0]
    if (next === undefined) this.sessions.delete(entry.sessionKey)
    else this.dispatch(next)
  }

  /** Stops pulling, waits (at most ackWaitMs, 10 s) for handlers in flight, and gives the rest back. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const messages of this.streams) messages.stop()
    const held = [...this.entries.values(), ...this.redos.values()]
    const inflight = held.filter((entry) => entry.state === 'inflight' && entry.settled !== undefined)
    if (inflight.length > 0) {
      let timer: NodeJS.Timeout | undefined
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(this.options.config.ackWaitMs, 10_000))
      })
      await Promise.race([Promise.allSettled(inflight.map((entry) => entry.settled)), limit])
      clearTimeout(timer)
    }
    clearInterval(this.heartbeat)
    this.deadlines.clear()
    for (const entry of held) {
      this.options.clock.clearTimeout(entry.timer)
      // No nak here: the server would hand it straight back to this member's pull request, which
      // stays open on the server after stop() and so would swallow it and advance its BackOff.
      // Without heartbeats the server redelivers it after one ack wait. A handler that finishes
      // later no longer acks (state done).
      entry.state = 'done'
    }
    this.entries.clear()
    this.redos.clear()
    this.sessions.clear()
  }
}
