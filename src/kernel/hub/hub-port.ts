import type { Bus, StoredEventJson } from '../../bus/index.ts'
import type { BusLag, BusLagProbe, FederationView } from '../../bus-factory/index.ts'
import { HubError, toHubError } from '../../contracts/index.ts'
import type { HealthProbe, RunPart } from '../../skill-api/index.ts'
import type { ChatService } from '../chat/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
import type {
  ChatInput,
  ChatPart,
  HealthReport,
  HubPort,
  SessionSummary as ServerSessionSummary,
} from '../server/index.ts'
import type { SessionRegistry } from '../sessions/index.ts'
import type { SkillHost } from '../skill-host/index.ts'
import type { HubMetrics } from './hub-metrics.ts'
import { CHAT_PIPELINE_ID } from './hub-options.ts'
import { ingestEvents } from './ingest-events.ts'
import { accessOf, principalClient, visibleEvents } from './principal-bus.ts'
import { startFirst } from './start-first.ts'
import { eventKeysOf, tailEvents } from './tail-events.ts'

/** How long a cached LLM health answer is reused by /health, in milliseconds. */
export const DEFAULT_LLM_HEALTH_TTL_MS = 5_000

export interface HubPortParts {
  bus: Bus
  /** How far the bus's consumers are behind its log (decision 1603). */
  busLag?: BusLagProbe
  /** The root's copies of every hub (NATS only; decision 1642). */
  federation?: FederationView
  /** The hub id on a NATS bus: /health says it, the dashboard labels this hub's events with it. */
  hubId?: string
  chat: ChatService | undefined
  runner: PipelineRunner
  sessions: SessionRegistry
  skills: SkillHost
  /** The language model's health, when a skill provides one. */
  model: HealthProbe | undefined
  metrics: HubMetrics
}

function toChatPart(part: RunPart): ChatPart | undefined {
  switch (part.kind) {
    case 'start':
      return {
        event: 'stream.start',
        data: { streamId: part.streamId, traceId: part.traceId, sessionId: part.sessionId },
      }
    case 'chunk':
      return {
        event: 'stream.chunk',
        data: { streamId: part.streamId, seq: part.seq, data: { text: part.text } },
        text: part.text,
      }
    case 'end':
      return {
        event: 'stream.end',
        data: {
          streamId: part.streamId,
          reason: part.reason,
          citations: part.citations.map((passage, index) => ({
            n: index + 1,
            sourceId: passage.sourceId,
            title: passage.title,
            snippet: passage.snippet,
            location: passage.location,
          })),
        },
      }
    case 'error':
      return { event: 'error', error: { code: part.code as never, message: part.message } }
    case 'tool':
      return { event: 'tool.status', data: { name: part.name, status: part.status, callId: part.callId } }
    case 'event':
      return undefined
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true })

/**
 * A turn's parts in the order the run hands them over, as the /chat route pulls them. A plain
 * iterator rather than an async generator (decision 2064): a part already queued is answered with
 * a settled promise, and a waiting pull is resolved by the part itself, with no generator to resume
 * in between. `return()` (the route stopped early) waits for the run to end, as before.
 */
class ChatPartQueue implements AsyncIterableIterator<ChatPart> {
  readonly #parts: ChatPart[] = []
  #waiting: ((result: IteratorResult<ChatPart, undefined>) => void) | undefined
  #finished = false
  #returned = false
  running: Promise<unknown> = Promise.resolve()

  push(part: ChatPart): void {
    if (this.#returned) return
    const waiting = this.#waiting
    if (waiting === undefined) this.#parts.push(part)
    else {
      this.#waiting = undefined
      waiting({ value: part, done: false })
    }
  }

  finish(): void {
    this.#finished = true
    const waiting = this.#waiting
    this.#waiting = undefined
    waiting?.(DONE)
  }

  next(): Promise<IteratorResult<ChatPart, undefined>> {
    if (this.#parts.length > 0) return Promise.resolve({ value: this.#parts.shift()!, done: false })
    if (this.#finished || this.#returned) return Promise.resolve(DONE)
    return new Promise((resolve) => {
      this.#waiting = resolve
    })
  }

  async return(): Promise<IteratorResult<ChatPart, undefined>> {
    this.#returned = true
    this.#parts.length = 0
    this.finish()
    await this.running
    return DONE
  }

  [Symbol.asyncIterator](): this {
    return this
  }
}

/** Runs a turn and hands its parts over as an async iterable, as the server's /chat route pulls them. */
function chatParts(chat: ChatService, input: ChatInput): AsyncIterable<ChatPart> {
  const queue = new ChatPartQueue()
  const ordered = startFirst((part) => queue.push(part))
  queue.running = chat
    .run(
      {
        text: input.text,
        ...(input.sessionId === undefined ? {} : { sessionId: input.sessionId }),
        traceId: input.traceId,
        ...(input.history === undefined ? {} : { history: input.history }),
        ...(input.route === undefined ? {} : { route: input.route }),
      },
      input.signal,
      (part) => {
        const chatPart = toChatPart(part)
        if (chatPart !== undefined) ordered.push(chatPart)
      },
    )
    // A HubError keeps its code (a too-long text is E_RESOURCE_LIMIT, so 413, not a 500).
    .catch((error) => {
      ordered.flush()
      queue.push({ event: 'error', error: toHubError(error).toJSON() })
    })
    .then(() => ordered.flush())
    // The runner has emptied the young generation by now when the turn was the only one (decision
    // 2090): before the answer's end reaches the caller, so the pause is this turn's.
    .finally(() => queue.finish())
  return queue
}

/** The bus's lag, or a short reason it has none ("n/a" for the memory bus). */
async function readLag(probe: BusLagProbe | undefined): Promise<BusLag | string> {
  if (probe === undefined) return 'n/a'
  try {
    return (await probe.read()) ?? 'n/a (the memory bus has no log)'
  } catch (error) {
    return `unknown: ${error instanceof Error ? error.message : String(error)}`
  }
}

/** GET /events' query as the bus's replay options. */
function replayOptionsOf(query: Parameters<HubPort['replay']>[0]) {
  const position = (value: number | string) => (typeof value === 'number' ? { seq: value } : { time: value })
  return {
    ...(query.from === undefined ? {} : { from: position(query.from) }),
    ...(query.to === undefined ? {} : { to: position(query.to) }),
    ...(query.filter === undefined ? {} : { filter: query.filter }),
    ...eventKeysOf(query),
    ...(query.since === undefined ? {} : { since: query.since }),
    ...(query.until === undefined ? {} : { until: query.until }),
    limit: query.limit,
  }
}

/**
 * A member's visible stored rows, as they are stored: the row's type decides, as visibleEvents
 * decides on the parsed event's, so no row is parsed or serialised again (decision 1794).
 */
async function* visibleRows(
  rows: AsyncIterable<StoredEventJson>,
  mayRead: (type: string) => boolean,
  limit: number,
): AsyncIterable<StoredEventJson> {
  let count = 0
  for await (const row of rows) {
    if (!mayRead(row.type)) continue
    yield row
    if (++count >= limit) return
  }
}

export function createHubPort(parts: HubPortParts): HubPort {
  const { bus, chat, sessions, skills, model, runner } = parts
  let modelHealth: { at: number; value: Awaited<ReturnType<HealthProbe['health']>> } | undefined

  return {
    ...(parts.federation === undefined ? {} : { federation: parts.federation }),
    ingest: (body) => ingestEvents(principalClient(bus, body.principal), body),
    checkRead(filter, principal) {
      accessOf(principal)?.readScope(filter)
    },
    // A member whose filter reaches past its grants gets only the types it may read (decision 2011).
    replay(query) {
      const access = accessOf(query.principal)
      if (access === undefined || access.readScope(query.filter ?? '>') === 'all')
        return bus.replay(replayOptionsOf(query))
      const { limit: _pagedByVisibility, ...unlimited } = replayOptionsOf(query)
      return visibleEvents(bus.replay(unlimited), access, query.limit)
    },
    replayJson(query) {
      const access = accessOf(query.principal)
      if (access === undefined || access.readScope(query.filter ?? '>') === 'all')
        return bus.replayJson(replayOptionsOf(query))
      const { limit: _pagedByVisibility, ...unlimited } = replayOptionsOf(query)
      // The same query as replay's; types the member may not read are dropped by the row's type.
      return visibleRows(bus.replayJson(unlimited), (type) => access.mayRead(type), query.limit)
    },
    tail(query, listener, signal, onEnd) {
      const access = accessOf(query.principal)
      const scope = access?.readScope(query.filter ?? '>')
      return tailEvents(
        bus,
        query,
        listener,
        signal,
        onEnd,
        scope === 'visible' ? (type) => access!.mayRead(type) : undefined,
      )
    },
    chat(input) {
      // A turn publishes chat.query for the caller: a member needs that grant.
      accessOf(input.principal)?.checkPublish('chat.query')
      if (chat === undefined) {
        throw new HubError(
          'E_BAD_REQUEST',
          `the manifest has no ${CHAT_PIPELINE_ID} pipeline, so this hub does not chat`,
        )
      }
      return chatParts(chat, input)
    },
    sessions: (): ServerSessionSummary[] =>
      sessions.list().map((session) => ({ ...session, updatedAt: session.lastActiveAt })),
    async health(): Promise<HealthReport> {
      if (
        model !== undefined &&
        (modelHealth === undefined || Date.now() - modelHealth.at > DEFAULT_LLM_HEALTH_TTL_MS)
      ) {
        modelHealth = { at: Date.now(), value: await model.health(AbortSignal.timeout(2_000)) }
      }
      const skillReport = skills.report()
      // A skill the manifest disables is not a failure; a model server that is down is shown under
      // llm with what to start, and fails the turns that need it (docs/decisions/1420).
      const notReady = skillReport.filter((skill) => skill.enabled && skill.status !== 'ready')
      const degraded = notReady.length > 0
      const dlq = await bus.dlq.list({ limit: 1000 })
      parts.metrics.setGauge('bus_dlq_entries', dlq.length)
      parts.metrics.setGauge('skills_degraded', notReady.length)
      const lag = await readLag(parts.busLag)
      return {
        status: degraded ? 'degraded' : 'ok',
        skills: skillReport.map((skill) => ({ ...skill })),
        ...(modelHealth === undefined ? {} : { llm: modelHealth.value }),
        bus: {
          transport: bus.transportName,
          ...(parts.hubId === undefined ? {} : { hubId: parts.hubId }),
          federation: parts.federation !== undefined,
          dlqEntries: dlq.length,
          chatTurnsInFlight: chat?.inFlight ?? 0,
          // The Health page shows `lag`: one line, or why there is none.
          lag: typeof lag === 'object' ? lag.summary : lag,
          ...(typeof lag === 'object' ? { lastSeq: lag.lastSeq, consumers: lag.consumers } : {}),
        },
        runs: runner.active().map((run) => ({
          pipelineId: run.pipelineId,
          traceId: run.traceId,
          sessionId: run.sessionId,
          trigger: run.trigger.kind,
          startedAt: new Date(run.startedAt).toISOString(),
        })),
      }
    },
  }
}
