import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream'
import type { Clock, ConsumerConfig, DeliveryHandler } from '../../bus/index.ts'
import { type HubError, toHubError } from '../../contracts/index.ts'
import { AckBatch } from './ack-batch.ts'
import { AckDeadlines } from './ack-deadlines.ts'
import { type Entry, inflightWith } from './consumer-entry.ts'
import type { DeadLetters } from './dead-letters.ts'
import { parseRedo } from './dead-letters.ts'
import {
  type CodecSettings,
  decodeMessage,
  rejectedEnvelope,
  storedEnvelope,
  type WireMessage,
} from './message-codec.ts'

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

const PULL_BATCH = 256
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
  private readonly entries = new Map<string, Entry>()
  private readonly sessions = new Map<string, Entry[]>()
  private streams: ConsumerMessages[] = []
  private stopped = false
  private heartbeat: NodeJS.Timeout | undefined
  private readonly deadlines: AckDeadlines
  private readonly acks = new AckBatch()

  constructor(private readonly options: ConsumerRunnerOptions) {
    this.name = options.config.name
    this.deadlines = new AckDeadlines({
      clock: options.clock,
      config: options.config,
      held: () => this.entries.size,
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
    return this.entries.has(`m:${seq}`)
  }

  async start(serverAckWaitMs: number): Promise<void> {
    const [mainConsumer, redoConsumer] = await Promise.all([
      this.options.js.consumers.get(this.options.stream, this.options.jetStreamName),
      this.options.js.consumers.get(this.options.redoStream, this.options.redoName),
    ])
    const [main, redo] = await Promise.all([
      mainConsumer.consume({ max_messages: PULL_BATCH }),
      redoConsumer.consume({ max_messages: 16 }),
    ])
    this.streams = [main, redo]
    void this.pump(main, false)
    void this.pump(redo, true)
    const every = Math.max(MIN_HEARTBEAT_MS, Math.min(MAX_HEARTBEAT_MS, Math.floor(serverAckWaitMs / 3)))
    this.heartbeat = setInterval(() => {
      for (const entry of this.entries.values()) if (entry.state !== 'done') entry.message.working()
    }, every)
    this.heartbeat.unref()
  }

  addMember(handler: DeliveryHandler): DeliveryHandler {
    this.members.push(handler)
    if (this.members.length === 1) {
      for (const entry of [...this.entries.values()])
        if (entry.state === 'waiting' && this.isSessionHead(entry)) this.dispatch(entry)
    }
    return handler
  }

  removeMember(handler: DeliveryHandler): void {
    const index = this.members.indexOf(handler)
    if (index >= 0) this.members.splice(index, 1)
  }

  private async pump(messages: ConsumerMessages, redo: boolean): Promise<void> {
    try {
      for await (const message of messages) {
        // Left unacknowledged: the server redelivers it to a live member after its ack wait.
        if (this.stopped) continue
        if (redo) void this.admitRedo(message)
        else this.admit(message, message.seq, decodeMessage(message, this.options.codec, 'stored'))
      }
    } catch (error) {
      if (!this.stopped)
        this.options.onError(toHubError(error, 'E_IO'), `nats consumer ${this.name}: pulling`)
    }
  }

  private async admitRedo(message: JsMsg): Promise<void> {
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
      this.admit(message, request.seq, decodeMessage(raw, this.options.codec, 'stored'), raw)
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
    decoded: ReturnType<typeof decodeMessage>,
    raw?: WireMessage,
  ): void {
    const redo = raw !== undefined
    const key = redo ? `r:${message.seq}` : `m:${seq}`
    const known = this.entries.get(key)
    if (known !== undefined) {
      // A redelivery of something held here (after a nak, or the server's own timer): newest wins.
      known.message = message
      known.attempt = message.info.deliveryCount
      if (known.state === 'backoff' || (known.state === 'waiting' && this.isSessionHead(known)))
        this.dispatch(known)
      return
    }
    if (!decoded.ok) {
      // Bad input never reaches a handler, never retries and never holds a session.
      void this.reject(message, seq, decoded.reason, raw ?? message)
      return
    }
    const envelope = storedEnvelope(decoded, seq)
    const ordered =
      !redo && envelope.sessionId !== undefined && this.options.config.isSessionOrdered(envelope.type)
    const entry: Entry = {
      key,
      message,
      seq,
      envelope,
      sessionKey: ordered ? envelope.sessionId : undefined,
      state: 'waiting',
      attempt: message.info.deliveryCount,
      token: 0,
      timer: undefined,
      settled: undefined,
    }
    this.entries.set(key, entry)
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
    if (this.members.length === 0) {
      entry.state = 'waiting'
      return
    }
    const handler = this.members[this.nextMember++ % this.members.length]!
    entry.state = 'inflight'
    const token = ++entry.token
    this.options.clock.clearTimeout(entry.timer)
    entry.timer = undefined
    this.deadlines.start(entry, token)
    let result: Promise<void>
    try {
      result = Promise.resolve(
        handler(entry.envelope, { consumer: this.name, seq: entry.seq, attempt: entry.attempt }),
      )
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
    clock.clearTimeout(entry.timer)
    if (error === undefined) {
      this.acks.add(entry.message)
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
    try {
      const moved = await this.options.deadLetters.move(
        this.name,
        entry.seq,
        entry.envelope,
        entry.attempt,
        lastError,
        `${entry.key}.${entry.message.info.deliveryCount}`,
      )
      entry.message.term()
      this.options.config.onDeadLetter(moved)
    } catch (error) {
      // Not moved: leave it to the server's redelivery rather than lose it.
      entry.message.nak(1000)
      this.options.onError(
        toHubError(error, 'E_IO'),
        `nats consumer ${this.name}: moving seq ${entry.seq} to the DLQ`,
      )
    }
    this.complete(entry)
  }

  private async reject(message: JsMsg, seq: number, reason: string, raw: WireMessage): Promise<void> {
    const envelope = rejectedEnvelope(raw, this.options.codec.prefix, reason, this.options.clock.now())
    try {
      const moved = await this.options.deadLetters.move(
        this.name,
        seq,
        envelope,
        message.info.deliveryCount,
        reason,
        `rejected.${message.seq}.${message.info.deliveryCount}`,
      )
      message.term()
      this.options.config.onDeadLetter(moved)
    } catch (error) {
      message.nak(1000)
      this.options.onError(toHubError(error, 'E_IO'), `nats consumer ${this.name}: rejecting seq ${seq}`)
    }
  }

  private complete(entry: Entry): void {
    entry.state = 'done'
    this.options.clock.clearTimeout(entry.timer)
    this.entries.delete(entry.key)
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
    const inflight = [...this.entries.values()].filter(
      (entry) => entry.state === 'inflight' && entry.settled !== undefined,
    )
    if (inflight.length > 0) {
      let timer: NodeJS.Timeout | undefined
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(this.options.config.ackWaitMs, 10_000))
      })
      await Promise.race([Promise.allSettled(inflight.map((entry) => entry.settled)), limit])
      clearTimeout(timer)
    }
    clearInterval(this.heartbeat)
    this.acks.flush()
    this.deadlines.clear()
    for (const entry of this.entries.values()) {
      this.options.clock.clearTimeout(entry.timer)
      // No nak here: the server would hand it straight back to this member's pull request, which
      // stays open on the server after stop() and so would swallow it and advance its BackOff.
      // Without heartbeats the server redelivers it after one ack wait. A handler that finishes
      // later no longer acks (state done).
      entry.state = 'done'
    }
    this.entries.clear()
    this.sessions.clear()
  }
}
