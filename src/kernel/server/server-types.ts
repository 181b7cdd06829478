import type { Envelope, Result, ResultError } from '../../contracts/index.ts'

// What the HTTP/WebSocket layer needs from the rest of the hub. The server depends on nothing else
// of the kernel, so it can be tested against an in-memory fake and wired to the real bus,
// pipeline and sessions by the kernel. docs/kernel-server.md describes each member.

/** Who is calling. There is one token today, so one principal; roles come with the bus permissions. */
export interface Principal {
  id: string
  /** How the token was presented. */
  via: 'bearer' | 'cookie' | 'query'
}

/** The raw body of POST /events, handed over untouched so any dialect can be detected. */
export interface IngestBody {
  /** Lower-cased header names (CloudEvents binary mode carries its attributes as ce-* headers). */
  headers: Readonly<Record<string, string | string[] | undefined>>
  /** The media type without parameters, lower-cased ('' when absent). */
  contentType: string
  text: string
  bytes: Uint8Array
  query: Readonly<Record<string, string>>
  traceId: string
  principal: Principal
}

/** What publishing one event answers. */
export interface PublishReceipt {
  id: string
  /** Absent for ephemeral events. */
  seq?: number
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
  /** First seq to deliver (inclusive); absent means live events only. */
  fromSeq?: number
  filter?: string
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

/** The hub as the server sees it. Every method may throw a HubError; the server maps it to HTTP. */
export interface HubPort {
  /** POST /events: one result per event found in the body, in body order. */
  ingest(body: IngestBody): AsyncIterable<Result<PublishReceipt>>
  /** GET /events: stored events in seq order. */
  replay(query: ReplayQuery): AsyncIterable<Envelope>
  /** WS /ws/events: stored events from `fromSeq` (replay, then live, no gap, no duplicates) and live ephemeral ones. */
  tail(query: TailQuery, listener: TailListener, signal: AbortSignal): TailSubscription
  /** POST /chat: one turn. Stop promptly when `signal` aborts. */
  chat(input: ChatInput): AsyncIterable<ChatPart>
  sessions(): SessionSummary[] | Promise<SessionSummary[]>
  health(): HealthReport | Promise<HealthReport>
}
