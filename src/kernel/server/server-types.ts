import type { Envelope, Result, ResultError } from '../../contracts/index.ts'

// What the HTTP/WebSocket layer needs from the rest of the hub. The server depends on nothing else
// of the kernel, so it can be tested against an in-memory fake and wired to the real bus,
// pipeline and sessions by the kernel. docs/kernel-server.md describes each member.

/**
 * Who is calling: the hub's own token is the owner; other tokens come from the principal store
 * (docs/principals-and-pairing.md).
 */
export interface Principal {
  id: string
  /** How the token was presented. */
  via: 'bearer' | 'cookie' | 'query'
  /** owner (also when absent: the hub's own token) may do everything; member and custom only what `grants` allow. */
  role?: 'owner' | 'member' | 'custom'
  /** The type patterns a non-owner may publish and read (NATS wildcards). */
  grants?: { publish: readonly string[]; subscribe: readonly string[] }
  /** A paired device's peer id and `sha256:<hex>` key fingerprint, set by the hub (never by the caller). */
  peerId?: string
  fingerprint?: string
}

/** Tokens besides the hub's own: looked up on every request, so a revocation holds at once. */
export interface PrincipalAuthority {
  /** The principal holding `token`, or undefined (unknown or revoked). */
  authenticate(token: string): Omit<Principal, 'via'> | undefined
  /** Called with a principal's id when it is revoked (open WebSockets of it are closed); returns a remover. */
  onRevoked(listener: (principalId: string) => void): () => void
}

/** The raw body of POST /events, handed over untouched so any dialect can be detected. */
export interface IngestBody {
  /** Lower-cased header names (CloudEvents binary mode carries its attributes as ce-* headers). */
  headers: Readonly<Record<string, string | string[] | undefined>>
  /** The media type without parameters, lower-cased ('' when absent). */
  contentType: string
  text: string
  bytes: Uint8Array
  /**
   * An NDJSON body as it arrives (then text and bytes are empty): read line by line, so the first
   * batches are published while the rest is still on its way (decision 1635).
   */
  stream?: AsyncIterable<Uint8Array>
  query: Readonly<Record<string, string>>
  traceId: string
  principal: Principal
}

/** What publishing one event answers. */
export interface PublishReceipt {
  id: string
  /** Absent for ephemeral events. */
  seq?: number
  /** Set when the event was already stored (by id or idempotency key). */
  duplicate?: true
}

/** Exact matches on an event's fields; each is served by an index on SQLite (decision 1610). */
export interface EventKeyQuery {
  traceId?: string
  sessionId?: string
  source?: string
}

export interface ReplayQuery extends EventKeyQuery {
  /** First seq (inclusive) or an RFC 3339 time (inclusive). */
  from?: number | string
  /** Last seq (inclusive) or an RFC 3339 time (inclusive). */
  to?: number | string
  /** A type pattern with `*` / `>` wildcards. */
  filter?: string
  /** RFC 3339 times (inclusive) on the event's ts, besides a from/to seq. */
  since?: string
  until?: string
  limit: number
  principal: Principal
  signal: AbortSignal
}

export interface TailQuery extends EventKeyQuery {
  /** First seq to deliver (inclusive); absent means live events only (or from `since`). */
  fromSeq?: number
  /** Last seq to deliver (inclusive): the tail ends once the log is past it (decision 1626). */
  toSeq?: number
  filter?: string
  /** RFC 3339 times on the event's ts (inclusive); since without fromSeq replays from there. */
  since?: string
  /** The tail ends once the replay is done and this time has passed. */
  until?: string
  /** The tail ends after this many events. */
  limit?: number
  principal: Principal
}

/**
 * Called for each event of a tail. During the replay phase the hub should await a returned promise
 * (that is the server's backpressure); in the live phase it must not let one slow client hold up others.
 */
export type TailListener = (event: Envelope) => void | Promise<void>

export interface TailSubscription {
  close(): void
}

export interface ChatInput {
  text: string
  sessionId?: string
  stream: boolean
  traceId: string
  principal: Principal
  /** Aborted when the client disconnects or the server shuts down; the reason is a HubError. */
  signal: AbortSignal
  /** The conversation as the client holds it (compatible APIs); replaces the session's kept history. */
  history?: ReadonlyArray<{ role: 'system' | 'user' | 'assistant'; content: string }>
  /** The route that started the turn, when not POST /chat (e.g. /v1/chat/completions). */
  route?: string
}

/** The parts of one chat turn, in order: stream.start, stream.chunk × N, stream.end — or an error. */
export type ChatPart =
  | {
      event: 'stream.start' | 'stream.chunk' | 'stream.end' | 'tool.status'
      /** Sent as the SSE data (JSON): the stream event's envelope or payload, as the pipeline chooses. */
      data: unknown
      /** On chunks: the text this chunk adds, concatenated for `stream: false` answers. */
      text?: string
    }
  | { event: 'error'; error: ResultError }

export interface SessionSummary {
  sessionId: string
  state?: string
  updatedAt?: string
  [key: string]: unknown
}

export interface HealthReport {
  status: 'ok' | 'degraded'
  skills?: ReadonlyArray<{ id: string; status: string; [key: string]: unknown }>
  bus?: Record<string, unknown>
  [key: string]: unknown
}

/** An event of any hub of the federation, as the root holds it (decision 1642). */
export interface FederatedEvent extends Envelope {
  hubId: string
}

/** `?scope=federation` on GET /events and WS /ws/events: every hub's events, read at the root. */
export interface FederationPort {
  /** The newest `limit` events of all hubs, oldest first. */
  replay(query: { filter?: string; limit: number }): Promise<FederatedEvent[]>
  /** New events of all hubs; `onError` once when the root cannot be read. */
  tail(
    query: { filter?: string },
    listener: (event: FederatedEvent) => void,
    onError: (error: Error) => void,
  ): TailSubscription
}

/** The hub as the server sees it. Every method may throw a HubError; the server maps it to HTTP. */
export interface HubPort {
  /** Present when the hub is on a NATS bus (its root may be away: the port's calls say so). */
  federation?: FederationPort
  /**
   * POST /events: one result per event found in the body, in body order, an array per published
   * batch (decision 1623).
   */
  ingest(body: IngestBody): AsyncIterable<readonly Result<PublishReceipt>[]>
  /** GET /events: stored events in seq order. */
  replay(query: ReplayQuery): AsyncIterable<Envelope>
  /** GET /events as NDJSON: the same events as their stored JSON text, not parsed (decision 1732). */
  replayJson?(query: ReplayQuery): AsyncIterable<{ json: string }>
  /** WS /ws/events: stored events from `fromSeq` (replay, then live, no gap, no duplicates) and live ephemeral ones. */
  /** `onEnd` is called once when a bounded tail (toSeq, until, limit) has reached its bound. */
  tail(
    query: TailQuery,
    listener: TailListener,
    signal: AbortSignal,
    onEnd?: (reason: string) => void,
  ): TailSubscription
  /**
   * GET /events and WS /ws/events call it before reading: throws E_PERMISSION_REQUIRED when the
   * principal may see no type the filter matches (a filter reaching further is narrowed by the hub).
   */
  checkRead?(filter: string, principal: Principal): void
  /** POST /chat: one turn. Stop promptly when `signal` aborts. */
  chat(input: ChatInput): AsyncIterable<ChatPart>
  sessions(): SessionSummary[] | Promise<SessionSummary[]>
  health(): HealthReport | Promise<HealthReport>
}
