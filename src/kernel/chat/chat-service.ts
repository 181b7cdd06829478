import { ROOT_CONTEXT, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api'
import { uuidV7 } from '../../bus/index.ts'
import { type Contracts, HubError, toHubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import {
  type ChatMessage,
  type Condition,
  type EventPublisher,
  type MetricsSink,
  runPipeline,
  type SkillRuntime,
  TurnEmitter,
  type TurnPart,
  type TurnState,
} from '../pipeline/index.ts'
import { DEFAULT_MAX_SESSIONS, type SessionRegistry } from '../sessions/index.ts'
import type { MemorySkill } from '../skill-host/memory-skill.ts'

/** Messages of history kept per session for the prompt (user and assistant turns). */
export const DEFAULT_HISTORY_MESSAGES = 20
/** Longest chat message accepted, in characters. */
export const DEFAULT_MAX_CHAT_CHARS = 32_000

export interface ChatServiceOptions {
  publisher: EventPublisher
  contracts: Contracts
  sessions: SessionRegistry
  pipeline: Pipeline
  skills: ReadonlyMap<string, SkillRuntime>
  memory?: MemorySkill
  conditions?: Readonly<Record<string, Condition>>
  metrics: MetricsSink
  /** OpenTelemetry tracer: a span per turn with a child per pipeline step (no-op unless an SDK is registered). */
  tracer?: Tracer
  now?: () => number
  source?: string
  historyMessages?: number
}

export interface ChatRequest {
  text: string
  sessionId?: string
  traceId?: string
  locale?: string
}

/**
 * Runs chat turns: turn.start, the manifest's chat pipeline, and on failure error.raised and
 * turn.end with outcome error, so every turn ends with turn.end whatever happened.
 */
export class ChatService {
  readonly #options: ChatServiceOptions
  readonly #history = new Map<string, ChatMessage[]>()
  readonly #inFlight = new Set<Promise<unknown>>()

  constructor(options: ChatServiceOptions) {
    this.#options = options
  }

  get inFlight(): number {
    return this.#inFlight.size
  }

  /** Waits for every running turn to finish (graceful shutdown aborts them first). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inFlight])
  }

  run(request: ChatRequest, signal: AbortSignal, onPart: (part: TurnPart) => void): Promise<TurnState> {
    const running = this.#run(request, signal, onPart)
    this.#inFlight.add(running)
    running.finally(() => this.#inFlight.delete(running)).catch(() => undefined)
    return running
  }

  async #run(
    request: ChatRequest,
    signal: AbortSignal,
    onPart: (part: TurnPart) => void,
  ): Promise<TurnState> {
    const options = this.#options
    const now = options.now ?? Date.now
    if (typeof request.text !== 'string' || request.text.trim().length === 0) {
      throw new HubError('E_BAD_REQUEST', 'chat text must be a non-empty string')
    }
    if (request.text.length > DEFAULT_MAX_CHAT_CHARS) {
      throw new HubError('E_RESOURCE_LIMIT', `chat text is longer than ${DEFAULT_MAX_CHAT_CHARS} characters`)
    }
    const sessionId = request.sessionId ?? `session-${uuidV7(now())}`
    const turn: TurnState = {
      traceId: request.traceId ?? uuidV7(now()),
      sessionId,
      text: request.text,
      ...(request.locale === undefined ? {} : { locale: request.locale }),
      startedAt: now(),
      passages: [],
      memory: [],
      history: [...(this.#history.get(sessionId) ?? [])],
      answer: '',
    }
    const emitter = new TurnEmitter({
      publisher: options.publisher,
      contracts: options.contracts,
      sessions: options.sessions,
      traceId: turn.traceId,
      sessionId,
      source: options.source ?? 'kernel',
      now,
    })
    options.sessions.countTurn(sessionId)
    const span = options.tracer?.startSpan('chat.turn', {
      attributes: {
        'localhub.trace_id': turn.traceId,
        'localhub.session_id': sessionId,
        'localhub.pipeline': options.pipeline.id,
      },
    })
    await emitter.emit('turn.start', { sessionId, inputType: 'text' })
    try {
      await runPipeline({
        pipeline: options.pipeline,
        turn,
        emitter,
        skills: options.skills,
        conditions: options.conditions ?? {},
        metrics: options.metrics,
        signal,
        onPart,
        now,
        ...(span === undefined || options.tracer === undefined
          ? {}
          : { tracing: { tracer: options.tracer, parent: trace.setSpan(ROOT_CONTEXT, span) } }),
        beforeEmit: async (type) => {
          if (type === 'turn.end' && options.memory !== undefined)
            await options.memory.recordTurn(turn, emitter)
        },
      })
      await emitter.settle()
      turn.outcome = 'ok'
      this.#remember(sessionId, turn)
    } catch (error) {
      const failure = signal.aborted
        ? new HubError('E_TIMEOUT', 'the turn was cancelled: the client went away or the hub is stopping', {
            cause: error,
          })
        : toHubError(error)
      turn.outcome = 'error'
      turn.error = { code: failure.code, message: failure.message }
      onPart({ kind: 'error', code: failure.code, message: failure.message })
      // The end of a failed turn is reported even when the publisher is what failed; that error is the one raised.
      await emitter
        .emit(
          'error.raised',
          { code: failure.code, message: failure.message, recoverable: failure.code !== 'E_UNKNOWN' },
          { severity: 'error' },
        )
        .catch(() => undefined)
      await emitter
        .emit('turn.end', {
          sessionId,
          outcome: 'error',
          durationMs: Math.max(0, Math.round(now() - turn.startedAt)),
        })
        .catch(() => undefined)
      await emitter.settle().catch(() => undefined)
    }
    if (turn.error !== undefined)
      span?.setStatus({ code: SpanStatusCode.ERROR, message: `${turn.error.code}: ${turn.error.message}` })
    span?.setAttribute('localhub.outcome', turn.outcome ?? 'ok')
    span?.end()
    options.metrics.observe('turn_ms', now() - turn.startedAt, { outcome: turn.outcome ?? 'ok' })
    return turn
  }

  #remember(sessionId: string, turn: TurnState): void {
    const limit = this.#options.historyMessages ?? DEFAULT_HISTORY_MESSAGES
    const history = this.#history.get(sessionId) ?? []
    history.push({ role: 'user', content: turn.text }, { role: 'assistant', content: turn.answer })
    this.#history.delete(sessionId)
    this.#history.set(sessionId, history.slice(-limit))
    // Least recently used sessions are forgotten first, so the map cannot grow without bound.
    if (this.#history.size > DEFAULT_MAX_SESSIONS) {
      const oldest = this.#history.keys().next().value
      if (oldest !== undefined) this.#history.delete(oldest)
    }
  }
}
