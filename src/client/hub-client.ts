import type { AnyDraft, StoredEnvelope } from '../contracts/index.ts'
import { errorFromAnswer, HubClientError } from './client-error.ts'
import { type HubClientConfig, type HubClientOptions, resolveClientOptions } from './client-options.ts'
import { ndjsonValues, sseMessages } from './line-streams.ts'
import { type LiveTail, openLiveTail, type TailQuery } from './live-tail.ts'

/** One part of a chat turn as POST /chat streams it; `text` is set on `stream.chunk` parts. */
export interface ChatStreamPart {
  event: 'stream.start' | 'stream.chunk' | 'stream.end' | 'tool.status' | (string & {})
  data: unknown
  text?: string
}

export interface ChatOptions {
  sessionId?: string
  /** Stops the turn (the hub stops generating when the connection closes). */
  signal?: AbortSignal
}

/** What POST /events answered for one event. */
export interface PublishReceipt {
  id: string
  seq?: number
  sessionSeq?: number
  duplicate?: true
}

/** GET /events parameters (decision 1610): positions are seqs or RFC 3339 times. */
export interface ReplayQuery {
  from?: number | string
  to?: number | string
  filter?: string
  traceId?: string
  sessionId?: string
  source?: string
  since?: string
  until?: string
  /** Most events to return in all (default: every matching one, page by page). */
  limit?: number
}

/** A pending or decided approval as GET /approvals lists it (fields the hub adds are kept). */
export interface Approval {
  id: string
  status: string
  tool: string
  tier: string
  targets: string[]
  preview: Record<string, unknown>
  sessionId: string | null
  traceId: string
  confirmationsRequired: 1 | 2
  expiresAt: string
  [key: string]: unknown
}

/** POST /approvals/:id/approve: `awaiting_confirmation` (destructive: approve again with the token) or `approved`. */
export type ApproveAnswer =
  | { status: 'approved'; approvalId: string; approval: Approval }
  | {
      status: 'awaiting_confirmation'
      approvalId: string
      confirmationToken: string
      tokenExpiresAt: string
      approval: Approval
    }

function chunkText(data: unknown): string | undefined {
  const record = data as { text?: unknown; data?: { text?: unknown } } | null
  const text = record?.data?.text ?? record?.text
  return typeof text === 'string' ? text : undefined
}

function query(parameters: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(parameters))
    if (value !== undefined) search.set(key, String(value))
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

/** A typed client of one hub's HTTP and WebSocket API (docs/clients.md). */
export class HubClient {
  readonly config: HubClientConfig

  constructor(options: HubClientOptions) {
    this.config = resolveClientOptions(options)
  }

  async #send(
    method: string,
    path: string,
    init: { body?: unknown; accept?: string; signal?: AbortSignal; timeout?: boolean } = {},
  ) {
    const headers: Record<string, string> = { authorization: `Bearer ${this.config.token}` }
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    if (init.accept !== undefined) headers.accept = init.accept
    const signals = [
      init.signal,
      init.timeout === false ? undefined : AbortSignal.timeout(this.config.requestTimeoutMs),
    ]
    const active = signals.filter((signal): signal is AbortSignal => signal !== undefined)
    try {
      const response = await this.config.fetch(`${this.config.url}${path}`, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        ...(active.length === 0 ? {} : { signal: active.length === 1 ? active[0] : AbortSignal.any(active) }),
      })
      if (!response.ok) {
        const body = await response.json().catch(() => undefined)
        throw errorFromAnswer(response.status, body)
      }
      return response
    } catch (error) {
      if (error instanceof HubClientError) throw error
      throw new HubClientError(
        'E_DEPENDENCY_UNAVAILABLE',
        `${method} ${path}: the hub at ${this.config.url} did not answer (${(error as Error).message})`,
        0,
        undefined,
        error,
      )
    }
  }

  /** A JSON request whose answer is the hub's `{ ok: true, data }` envelope: returns `data`. */
  async #data<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#send(method, path, body === undefined ? {} : { body })
    const answer = (await response.json()) as { ok: boolean; data?: T }
    if (answer.ok !== true) throw errorFromAnswer(response.status, answer)
    return answer.data as T
  }

  /** POST /chat as Server-Sent Events: the turn's parts as they come; an `error` part throws. */
  async *chat(text: string, options: ChatOptions = {}): AsyncGenerator<ChatStreamPart> {
    const response = await this.#send('POST', '/chat', {
      body: { text, ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }) },
      accept: 'text/event-stream',
      timeout: false,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    if (response.body === null)
      throw new HubClientError('E_UNKNOWN', 'POST /chat answered no body', response.status)
    for await (const message of sseMessages(response.body)) {
      const data = JSON.parse(message.data) as unknown
      if (message.event === 'error') throw errorFromAnswer(response.status, data)
      const text = message.event === 'stream.chunk' ? chunkText(data) : undefined
      yield { event: message.event, data, ...(text === undefined ? {} : { text }) }
    }
  }

  /** One whole chat turn: the answer's text. */
  async chatText(text: string, options: ChatOptions = {}): Promise<string> {
    let answer = ''
    for await (const part of this.chat(text, options)) answer += part.text ?? ''
    return answer
  }

  /** POST /events with one canonical draft; the hub validates it and answers the receipt. */
  publish(draft: AnyDraft): Promise<PublishReceipt> {
    return this.#data<PublishReceipt>('POST', '/events', draft)
  }

  /**
   * GET /events as NDJSON, page after page from `from`, in seq order: stored events in the stored
   * form (guardrails applied; validate them with the stored-form schemas, not the in-flight ones).
   */
  async *replay(parameters: ReplayQuery = {}): AsyncGenerator<StoredEnvelope> {
    const { limit, ...rest } = parameters
    let remaining = limit ?? Number.POSITIVE_INFINITY
    let from = rest.from
    while (remaining > 0) {
      const page = Math.min(remaining, this.config.replayPageSize)
      const response = await this.#send('GET', `/events${query({ ...rest, from, limit: page })}`, {
        accept: 'application/x-ndjson',
      })
      let count = 0
      let last: number | undefined
      for await (const value of ndjsonValues(response.body!)) {
        const record = value as { ok?: unknown }
        if (record.ok === false) throw errorFromAnswer(response.status, value)
        const event = value as StoredEnvelope
        count++
        remaining--
        last = event.seq
        yield event
      }
      // A short page is the end; a full one continues after its last seq.
      if (count < page || last === undefined) return
      from = last + 1
    }
  }

  /** WS /ws/events: every event as published, reconnecting after a drop and resuming after the last seq. */
  tail(parameters: TailQuery = {}): LiveTail {
    return openLiveTail(this.config, parameters, (query) => this.#probeTail(query))
  }

  async #probeTail(parameters: TailQuery): Promise<HubClientError | undefined> {
    const { from, ...keys } = parameters
    try {
      const answer = await this.#send(
        'GET',
        `/events${query({ ...keys, ...(from === undefined ? {} : { from }), limit: 1 })}`,
      )
      await answer.body?.cancel()
      return undefined
    } catch (error) {
      const refusal = error as HubClientError
      return refusal.status >= 400 && refusal.status < 500 ? refusal : undefined
    }
  }

  /** GET /approvals (status: pending, approved, denied, ...). */
  async approvals(parameters: { status?: string; limit?: number } = {}): Promise<Approval[]> {
    return (await this.#data<{ approvals: Approval[] }>('GET', `/approvals${query(parameters)}`)).approvals
  }

  /** POST /approvals/:id/approve; a destructive action answers a confirmation token to approve with again. */
  approve(id: string, options: { reason?: string; confirmationToken?: string } = {}): Promise<ApproveAnswer> {
    return this.#data<ApproveAnswer>('POST', `/approvals/${encodeURIComponent(id)}/approve`, options)
  }

  /** POST /approvals/:id/deny. */
  async deny(id: string, options: { reason?: string } = {}): Promise<Approval> {
    return (
      await this.#data<{ approval: Approval }>('POST', `/approvals/${encodeURIComponent(id)}/deny`, options)
    ).approval
  }
}

/** A client of the hub at `options.url` with its token. */
export function createHubClient(options: HubClientOptions): HubClient {
  return new HubClient(options)
}
