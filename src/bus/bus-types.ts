import type {
  AnyDraft,
  Contracts,
  DraftOf,
  Envelope,
  EventType,
  GuardrailOptions,
  RegistryDocument,
  Result,
} from '../contracts/index.ts'
import type { Clock } from './clock.ts'
import type { PermissionTable } from './permissions.ts'
import type {
  DeadLetterEntry,
  DeadLetterQuery,
  StoredEventJson,
  TopicStat,
  TransportCapabilities,
  TransportFactory,
} from './transport-types.ts'

/** Receipt of a publish: returned only after a stored event is committed. No seq for ephemeral events. */
export interface PublishReceipt {
  id: string
  seq?: number
  sessionSeq?: number
  /** Set when the event (by id or idempotency key) was already published within the dedupe window. */
  duplicate?: true
}

export type PublishOutcome = Result<PublishReceipt>

export interface PublishOptions {
  /**
   * The caller gives the drafts to the bus: it keeps no reference into them and they are plain
   * JSON values (parsed from text, as NDJSON ingest's are). The first in-process delivery of
   * each stored event may then receive the published object itself instead of a parse of the
   * stored text (decision 1772); every other delivery still gets its own parse.
   */
  handOver?: boolean
}

export interface EventContext {
  /** Absent for ephemeral events. */
  seq?: number
  /** 1 on first delivery; 0 for live (at-most-once) deliveries. */
  attempt: number
  /** Consumer name for log deliveries. */
  consumer?: string
  /** Publishes `<type>.result` answering this command (causationId, traceId, sessionId copied). */
  reply(
    payload: Record<string, unknown>,
    options?: { severity?: Envelope['severity'] },
  ): Promise<PublishReceipt>
}

/** Resolving acknowledges; throwing (or running past ackWaitMs) asks for redelivery. */
export type EventHandler = (envelope: Envelope, context: EventContext) => void | Promise<void>

export type ReplayPosition = { seq: number } | { time: string | number | Date }

export interface SubscribeOptions {
  /** Name of a durable consumer: its position survives restarts (on a persistent transport). */
  durable?: string
  /** Subscribers with the same queue (or durable) name share the events: each goes to one of them. */
  queue?: string
  ackWaitMs?: number
  maxDeliver?: number
  backoffMs?: readonly number[]
  maxAckPending?: number
  /** Where a new consumer starts (default 'new'); an existing durable one resumes where it was. */
  from?: 'new' | 'first' | ReplayPosition
  /** 'session' orders every event carrying a sessionId, not only types the catalog marks so. */
  ordered?: 'session'
  /**
   * Trusted in-process handler (the kernel's own, never a principal's): receives events as
   * published, before guardrails, live and at-most-once; no acks, no redelivery, no replay.
   */
  trusted?: boolean
  /**
   * Keep each delivered stored envelope's JSON text for `storedJsonOf(envelope)`, when the
   * transport has a text form (SQLite), so a handler that only forwards events does not serialise
   * them again (decision 1774). Such a handler must not change its envelopes.
   */
  storedJson?: boolean
}

export interface Subscription {
  readonly name: string
  unsubscribe(): Promise<void>
}

export interface ReplayOptions {
  from?: ReplayPosition
  to?: ReplayPosition
  /** Type pattern (`chat.*`, `ui.>`). */
  filter?: string
  /** Exact matches on the envelope's traceId, sessionId, source (decision 1610). */
  traceId?: string
  sessionId?: string
  source?: string
  /** Time range on the envelope's ts (ISO text, Unix ms or Date), besides a from/to seq. */
  since?: string | number | Date
  until?: string | number | Date
  limit?: number
  /**
   * Keep each replayed envelope's stored JSON text for `storedJsonOf(envelope)`, when the log has
   * a text form (SQLite): a reader that only forwards (the WS tail catching up) sends it instead
   * of serialising the envelope again (decision 1793). Selection and permissions are unchanged;
   * the reader must not change such envelopes.
   */
  storedJson?: boolean
}

export interface RequestOptions {
  timeoutMs?: number
  version?: number
  sessionId?: string
  traceId?: string
  tenant?: string
  source?: string
}

export interface DeadLetterApi {
  list(query?: DeadLetterQuery): Promise<DeadLetterEntry[]>
  retry(query: DeadLetterQuery): Promise<DeadLetterEntry[]>
  purge(query: DeadLetterQuery): Promise<DeadLetterEntry[]>
}

/**
 * What a principal may use; every call is checked against its permissions.
 *
 * `publish` and `publishMany` take drafts the compiler checks against the generated catalog types:
 * `type` picks the payload type. The `*Untyped` forms are for drafts whose type is only known at
 * run time (foreign envelopes arriving over HTTP, NDJSON from the CLI, replays, buses over a
 * registry that is not the catalog); the bus validates every draft at run time either way.
 * See docs/decisions/1380-typed-publish-and-an-untyped-door.md.
 */
export interface BusClient {
  publish<T extends EventType>(draft: DraftOf<T>): Promise<PublishReceipt>
  publishMany(drafts: readonly AnyDraft[], options?: PublishOptions): Promise<PublishOutcome[]>
  publishUntyped(draft: unknown): Promise<PublishReceipt>
  publishManyUntyped(drafts: readonly unknown[], options?: PublishOptions): Promise<PublishOutcome[]>
  subscribe(pattern: string, handler: EventHandler, options?: SubscribeOptions): Promise<Subscription>
  request(type: string, payload: Record<string, unknown>, options?: RequestOptions): Promise<Envelope>
  replay(options?: ReplayOptions): AsyncIterable<Envelope>
}

export interface Bus extends BusClient {
  /**
   * Replay for readers that only pass events on (NDJSON export, GET /events): each event's stored
   * JSON text, not parsed (decision 1732). Same selection and order as `replay`.
   */
  replayJson(options?: ReplayOptions): AsyncIterable<StoredEventJson>
  readonly transportName: string
  readonly capabilities: TransportCapabilities
  readonly subjectPrefix: string
  readonly contracts: Contracts
  readonly dlq: DeadLetterApi
  topics(): Promise<TopicStat[]>
  /** A view of this bus acting as `principal` (permissions from BusOptions.permissions). */
  as(principal: string): BusClient
  /** Stops accepting publishes, waits for those under way, stops consumers, drains queues, closes the transport. */
  close(): Promise<void>
}

export interface BusOptions {
  registry: RegistryDocument
  transport: TransportFactory
  clock?: Clock
  hubId?: string
  /** `source` of envelopes that name none. */
  defaultSource?: string
  dedupeWindowMs?: number
  guardrails?: GuardrailOptions
  permissions?: PermissionTable
  maxLivePending?: number
  liveBlockMs?: number
  ackWaitMs?: number
  maxDeliver?: number
  backoffMs?: readonly number[]
  maxAckPending?: number
  requestTimeoutMs?: number
  onError?: (error: Error, where: string) => void
}
