// The contract between the bus and a transport. The bus owns validation, ids, guardrails,
// permissions and request/reply; a transport owns the log (seq, sessionSeq, dedupe), durable
// consumers (ack, redelivery with backoff, maxDeliver, dead letters) and live fan-out of
// ephemeral events. The shape follows JetStream: stream = log, durable consumer = named
// consumer with AckWait/MaxDeliver/BackOff, Nats-Msg-Id = dedupe keys, core subjects = live.
import type { Envelope, HubError } from '../contracts/index.ts'
import type { Clock } from './clock.ts'

export interface TransportCapabilities {
  /** Log, consumer positions, dedupe keys and DLQ survive close/reopen and a process crash. */
  persistent: boolean
  /** Other processes opening the same store see this log (their consumers pick up events). */
  sharedAcrossProcesses: boolean
  /**
   * `read` honours traceId, sessionId and source itself (and applies `limit` after them). Without
   * it the bus filters those keys and applies the limit (decision 1610).
   */
  queryKeys?: boolean
}

/** What the bus hands a transport factory. */
export interface TransportContext {
  clock: Clock
  /** `hub.<hubId>`; a transport with real subjects (NATS) publishes on `<prefix>.<type>`. */
  subjectPrefix: string
  /** How long dedupe keys are remembered. */
  dedupeWindowMs: number
  /** Live fan-out limits (see docs/bus.md, backpressure). */
  live: LiveLimits
  /** A subscriber fell behind and ephemeral events were dropped for it. */
  onBackpressure(report: BackpressureReport): void
  /** Problems that have no caller to throw to (a failing live handler, a failed flush). */
  onError(error: HubError, where: string): void
}

export interface LiveLimits {
  /** Events queued per live subscriber before the publisher is held. */
  maxPending: number
  /** How long a publisher of an ephemeral event is held before the event is dropped for that subscriber. */
  blockMs: number
}

export interface BackpressureReport {
  subscription: string
  pattern: string
  eventType: string
  dropped: number
  queueDepth: number
  limit: number
  blockedMs: number
}

export type TransportFactory = (context: TransportContext) => Promise<Transport>

export interface AppendItem {
  /** The persisted form (guardrails applied), id and ts set, seq and sessionSeq absent. */
  envelope: Envelope
  /**
   * `id:<id>` and, when the envelope has an idempotency key, `key:<tenant>:<type>:<idempotencyKey>`;
   * any hit within the window is a duplicate. May be made when first read (the bus's items make
   * them then, decision 1761): a transport that dedupes ids its own way reads them only for an
   * envelope with an idempotency key.
   */
  readonly dedupeKeys: string[]
  /** Unix ms of `envelope.ts` when the bus already knows it (it set ts itself), so it is not parsed again. */
  timeMs?: number
  /**
   * The bus made the id itself (a UUIDv7 from this process): no earlier event can hold it, so a
   * transport may skip looking it up (it still remembers it for later duplicates), decision 1734.
   */
  generatedId?: boolean
  /**
   * Nobody else holds `envelope` or anything in it (PublishOptions.handOver): once stored, a log
   * transport may hand it, with seq and sessionSeq set, to one consumer's first delivery instead
   * of a parse of the stored text (decision 1772).
   */
  readonly handedOver?: boolean
}

/** One per appended item, in order. A duplicate names the event that was stored first. */
export interface AppendOutcome {
  id: string
  seq: number
  sessionSeq?: number
  /**
   * True when the event was already in the log. A log may leave it out for an event stored anew
   * (the SQLite writer does): its outcome `{ id, seq[, sessionSeq] }` is then the publisher's
   * receipt itself (decision 2095).
   */
  duplicate?: boolean
  /** The stored envelope with seq and sessionSeq (absent for duplicates). */
  stored?: Envelope
}

export type DeliverFrom = 'new' | 'first' | { seq: number } | { time: number }

export interface ConsumerConfig {
  /** Durable name, or a generated one for a consumer that lives as long as its members. */
  name: string
  durable: boolean
  /** Type pattern with NATS wildcards (`chat.*`, `voice.>`). */
  filter: string
  /** Where a new consumer starts; an existing durable consumer resumes where it was. */
  deliverFrom: DeliverFrom
  ackWaitMs: number
  maxDeliver: number
  /** Delay before the n-th redelivery is backoffMs[n-1], the last value repeating. */
  backoffMs: readonly number[]
  /** Deliveries outstanding (in flight, waiting for their session, in backoff) at most. */
  maxAckPending: number
  /** Types delivered one at a time per session, in session order. */
  isSessionOrdered(type: string): boolean
  /** Called after an event was moved to the dead-letter queue. */
  onDeadLetter(entry: DeadLetterEntry): void
  /** Keep each delivered envelope's stored text for storedJsonOf (decision 1774). */
  keepStoredJson?: boolean
}

export interface DeliveryInfo {
  consumer: string
  seq: number
  /** 1 on first delivery. */
  attempt: number
}

/**
 * Returning (or resolving) acknowledges; throwing, rejecting or exceeding ackWaitMs asks for
 * redelivery. A plain return is a handler that has finished (decision 1771).
 */
export type DeliveryHandler = (envelope: Envelope, info: DeliveryInfo) => void | Promise<void>

export interface ConsumerMember {
  readonly consumer: string
  /** Leaves the consumer; outstanding deliveries of a durable consumer are redelivered later. */
  stop(): Promise<void>
}

export type LiveHandler = (envelope: Envelope) => void | Promise<void>

export interface LiveSubscription {
  unsubscribe(): void
}

export interface LiveOptions {
  name: string
  /** Members of one queue group share the events: each goes to one of them. */
  queue?: string
}

export interface ReadQuery {
  fromSeq?: number
  toSeq?: number
  /** Unix ms, compared with the envelope's ts. */
  fromTime?: number
  toTime?: number
  filter?: string
  /** Exact matches on the envelope's fields (decision 1610). */
  traceId?: string
  sessionId?: string
  source?: string
  limit?: number
  /** Keep each envelope's stored text for storedJsonOf, when the log has one (decision 1793). */
  keepStoredJson?: boolean
}

export interface DeadLetterEntry {
  dlqId: number
  consumer: string
  seq: number
  eventId: string
  eventType: string
  attempts: number
  lastError: string
  movedAt: string
  envelope: Envelope
}

export interface DeadLetterQuery {
  consumer?: string
  ids?: number[]
  limit?: number
}

export interface TopicStat {
  type: string
  count: number
  lastSeq: number
  lastTs: string
}

/** A stored event as the log holds it: its JSON text (seq and sessionSeq included), with seq and type beside. */
export interface StoredEventJson {
  seq: number
  type: string
  json: string
}

export interface Transport {
  readonly name: string
  readonly capabilities: TransportCapabilities
  /** Stores events in order after deduping; resolves once they are durably committed. */
  append(items: AppendItem[]): Promise<AppendOutcome[]>
  /** Fans an ephemeral event out to live subscribers; resolves when every subscriber took it or it was dropped. */
  broadcast(envelope: Envelope): Promise<void>
  subscribeLive(filter: string, handler: LiveHandler, options: LiveOptions): LiveSubscription
  /** Joins (or creates) the consumer `config.name`; members of one consumer share its events. */
  consume(config: ConsumerConfig, handler: DeliveryHandler): Promise<ConsumerMember>
  read(query: ReadQuery): AsyncIterable<Envelope>
  /** The same events as `read`, as their stored JSON text (no parse); absent when the transport has no text form. */
  readJson?(query: ReadQuery): AsyncIterable<StoredEventJson>
  topics(): Promise<TopicStat[]>
  listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterEntry[]>
  /** Puts entries back to their consumer (attempts start again); returns what was retried. */
  retryDeadLetters(query: DeadLetterQuery): Promise<DeadLetterEntry[]>
  purgeDeadLetters(query: DeadLetterQuery): Promise<DeadLetterEntry[]>
  /**
   * Told when the bus starts closing, before it waits for publishes in flight: a transport whose
   * server is gone fails those (never acknowledged) instead of retrying them (decision 1634).
   */
  closing?(): void
  /** Stops consumers (waiting for in-flight handlers), flushes and releases the store. */
  close(): Promise<void>
}
