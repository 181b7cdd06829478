import { ROOT_CONTEXT, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api'
import { uuidV7 } from '../../bus/index.ts'
import { type Contracts, type Envelope, type ErrorCode, HubError, toHubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import {
  type ChatMessage,
  type Condition,
  createRunState,
  type MetricsSink,
  type RunEmitter,
  type RunPart,
  type RunState,
  type RunTrigger,
  type SkillRuntime,
} from '../../skill-api/index.ts'
import type { SessionRegistry } from '../sessions/index.ts'
import { runPipeline } from './pipeline-engine.ts'
import type { EventPublisher } from './pipeline-types.ts'
import { DEFAULT_TURN_HOLD_MS, TurnEmitter } from './turn-emitter.ts'

/** What the runner needs of the opened skills. */
export interface RunnerSkills {
  readonly runtimes: ReadonlyMap<string, SkillRuntime>
  readonly conditions: Readonly<Record<string, Condition>>
  /** A run's emitter as one skill sees it (its `provides` only). */
  emitterFor(skillId: string, emitter: RunEmitter): RunEmitter
  /** Hooks of the skills that consume `type`, run before a run emits it. */
  beforeEmit(type: string, context: { run: RunState; emitter: RunEmitter }): Promise<void>
}

/** What the runner calls as a turn ends with no other run in flight (the hub's young-generation collector). */
export interface TurnEndHook {
  /** True when it collected. */
  atTurnEnd(): boolean
}

/**
 * Runs whose end calls the turn-end hook: turns a person waits on, typed (`http`: POST /chat and the
 * compatible APIs) or spoken (`ws`: /ws/voice, the Wyoming and listen entries). Bus-triggered runs
 * (a signal per ingested event) are left out: collecting after each would scavenge at their rate.
 */
export const DEFAULT_TURN_END_TRIGGERS: ReadonlySet<RunTrigger['kind']> = new Set(['http', 'ws'])

export interface PipelineRunnerOptions {
  publisher: EventPublisher
  contracts: Contracts
  sessions: SessionRegistry
  skills: RunnerSkills
  metrics: MetricsSink
  /** OpenTelemetry tracer: a span per run with a child per step (no-op unless an SDK is registered). */
  tracer?: Tracer
  now?: () => number
  source?: string
  /**
   * Called when a run of `turnEndTriggers` has ended and no other run is in flight, before the run's
   * promise settles (so before a chat answer's end reaches its client): the hub empties the young
   * generation there (decisions 2090, 2098).
   */
  turnEnd?: TurnEndHook
  turnEndTriggers?: ReadonlySet<RunTrigger['kind']>
}

export interface RunRequest {
  pipeline: Pipeline
  trigger: RunTrigger
  text?: string
  sessionId?: string
  traceId?: string
  locale?: string
  history?: readonly ChatMessage[]
  signal: AbortSignal
  onPart?: (part: RunPart) => void
  /** Sees every event of the run as it is published. */
  onEvent?: (envelope: Envelope) => void
  /** Delivers the next event of a type to a `recv` step (WS streams). */
  receive?: (pattern: string, signal: AbortSignal) => Promise<Envelope>
}

interface ActiveRun {
  readonly run: RunState
  readonly controller: AbortController
}

const INPUT_TYPES = { http: 'text', ws: 'voice', bus: 'event' } as const

/**
 * Passes parts on; the first part that is not the stream's start (a token, a tool call, the end or
 * an error) releases the turn's held events after the next poll phase, once the part's bytes are
 * on their way to the client.
 */
function releasingOnPart(
  onPart: (part: RunPart) => void,
  emitter: TurnEmitter,
  holding: boolean,
): (part: RunPart) => void {
  if (!holding) return onPart
  let released = false
  return (part) => {
    onPart(part)
    if (released || part.kind === 'start') return
    released = true
    // Two check phases: the poll phase between them is where a client in this process (the
    // benchmark's) reads the part; one outside has its bytes already.
    setImmediate(() => setImmediate(() => emitter.release()))
  }
}

/** A bus-triggered run takes the person's words from its signal (an inbound channel message). */
function textOf(signal: Envelope | undefined): { text?: string } {
  const text = (signal?.payload as { text?: unknown } | undefined)?.text
  return typeof text === 'string' ? { text } : {}
}

/**
 * Runs pipelines, whatever started them: a run begins with turn.start, runs the steps, and ends
 * with turn.end (outcome ok, error or cancelled); a failure is reported as error.raised first. Runs
 * are cancellable one by one (barge-in) or all together (shutdown).
 */
export class PipelineRunner {
  readonly #options: PipelineRunnerOptions
  readonly #active = new Map<string, ActiveRun>()
  readonly #settled = new Set<Promise<unknown>>()
  readonly #emitters = new WeakMap<RunState, TurnEmitter>()

  constructor(options: PipelineRunnerOptions) {
    this.#options = options
  }

  /** Runs in progress, newest last. */
  active(): RunState[] {
    return [...this.#active.values()].map((entry) => entry.run)
  }

  /** The kernel's own emitter of a run (the tool service publishes tool events in the run's chain). */
  emitterOf(run: RunState): RunEmitter | undefined {
    return this.#emitters.get(run)
  }

  get inFlight(): number {
    return this.#active.size
  }

  /**
   * Cancels the runs of a trace or a session; answers how many were running. `code` is what the
   * run ends with: E_TIMEOUT for a cancel as such, the cause's own when one stopped it (a limit).
   */
  cancel(
    target: { traceId?: string; sessionId?: string },
    reason = 'cancelled',
    code: ErrorCode = 'E_TIMEOUT',
  ): number {
    let count = 0
    for (const entry of this.#active.values()) {
      if (target.traceId !== undefined && entry.run.traceId !== target.traceId) continue
      if (target.sessionId !== undefined && entry.run.sessionId !== target.sessionId) continue
      entry.controller.abort(new HubError(code, `the run was ${reason}`))
      count++
    }
    return count
  }

  /** Cancels every run and waits until each has ended. */
  async close(): Promise<void> {
    for (const entry of this.#active.values())
      entry.controller.abort(new HubError('E_TIMEOUT', 'the hub is stopping'))
    await this.drain()
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.#settled])
  }

  run(request: RunRequest): Promise<RunState> {
    const running = this.#run(request)
    this.#settled.add(running)
    running.finally(() => this.#settled.delete(running)).catch(() => undefined)
    return running
  }

  async #run(request: RunRequest): Promise<RunState> {
    const options = this.#options
    const now = options.now ?? Date.now
    const trigger = request.trigger
    const signalEvent = trigger.kind === 'bus' ? trigger.event : undefined
    const run = createRunState({
      pipelineId: request.pipeline.id,
      traceId: request.traceId ?? signalEvent?.traceId ?? uuidV7(now()),
      // Signals without a session share one per pipeline instead of filling /sessions.
      sessionId:
        request.sessionId ??
        signalEvent?.sessionId ??
        (signalEvent === undefined ? `session-${uuidV7(now())}` : `signals:${request.pipeline.id}`),
      trigger,
      startedAt: now(),
      ...(request.locale === undefined ? {} : { locale: request.locale }),
      ...(request.text === undefined ? textOf(signalEvent) : { text: request.text }),
      ...(signalEvent === undefined ? {} : { signal: signalEvent }),
      ...(request.history === undefined ? {} : { history: request.history }),
    })
    const controller = new AbortController()
    const abort = () => controller.abort(request.signal.reason)
    if (request.signal.aborted) abort()
    else request.signal.addEventListener('abort', abort, { once: true })
    this.#active.set(run.traceId + run.startedAt, { run, controller })
    const emitter = new TurnEmitter({
      publisher: options.publisher,
      contracts: options.contracts,
      sessions: options.sessions,
      traceId: run.traceId,
      sessionId: run.sessionId,
      source: options.source ?? 'kernel',
      now,
      ...(signalEvent === undefined ? {} : { causationId: signalEvent.id }),
      ...(request.onEvent === undefined ? {} : { onEvent: request.onEvent }),
      // An HTTP turn's events wait for its first token (or any answer part), decision 1730.
      ...(trigger.kind === 'http' ? { holdMs: DEFAULT_TURN_HOLD_MS } : {}),
    })
    this.#emitters.set(run, emitter)
    const onPart = releasingOnPart(request.onPart ?? (() => undefined), emitter, trigger.kind === 'http')
    options.sessions.countTurn(run.sessionId)
    const span = options.tracer?.startSpan(trigger.kind === 'http' ? 'chat.turn' : 'pipeline.run', {
      attributes: {
        'localhub.trace_id': run.traceId,
        'localhub.session_id': run.sessionId,
        'localhub.pipeline': request.pipeline.id,
        'localhub.trigger': trigger.kind,
      },
    })
    try {
      await emitter.emitOwn('turn.start', { sessionId: run.sessionId, inputType: INPUT_TYPES[trigger.kind] })
      await runPipeline({
        pipeline: request.pipeline,
        run,
        emitter,
        skills: options.skills.runtimes,
        emitterFor: (skillId) => options.skills.emitterFor(skillId, emitter),
        conditions: options.skills.conditions,
        metrics: options.metrics,
        signal: controller.signal,
        onPart,
        now,
        // A bus event is the first recv step's delivery.
        ...(trigger.kind === 'bus' && 'recv' in (request.pipeline.steps[0] ?? {}) ? { startAt: 1 } : {}),
        ...(request.receive === undefined ? {} : { receive: request.receive }),
        // Step spans only under a turn span that records: without an SDK (or when the turn is not
        // sampled) they would be no-op spans made and ended on every step (decision 1757).
        ...(span === undefined || options.tracer === undefined || !span.isRecording()
          ? {}
          : { tracing: { tracer: options.tracer, parent: trace.setSpan(ROOT_CONTEXT, span) } }),
        beforeEmit: (type) => options.skills.beforeEmit(type, { run, emitter }),
      })
      if (!request.pipeline.steps.some((step) => 'emit' in step && step.emit === 'turn.end')) {
        await options.skills.beforeEmit('turn.end', { run, emitter })
        await emitter.emitOwn('turn.end', {
          sessionId: run.sessionId,
          outcome: 'ok',
          durationMs: Math.max(0, Math.round(now() - run.startedAt)),
        })
      }
      await emitter.settle()
      run.outcome = 'ok'
    } catch (error) {
      await this.#fail(run, emitter, error, controller.signal, onPart, now)
    } finally {
      request.signal.removeEventListener('abort', abort)
      this.#active.delete(run.traceId + run.startedAt)
    }
    if (run.error !== undefined)
      span?.setStatus({ code: SpanStatusCode.ERROR, message: `${run.error.code}: ${run.error.message}` })
    span?.setAttribute('localhub.outcome', run.outcome ?? 'ok')
    span?.end()
    options.metrics.observe('turn_ms', now() - run.startedAt, {
      outcome: run.outcome ?? 'ok',
      pipeline: run.pipelineId,
    })
    // The turn's garbage is dead now; a collection would pause every run in flight, so only when
    // none is (their own end collects).
    if (
      options.turnEnd !== undefined &&
      this.#active.size === 0 &&
      (options.turnEndTriggers ?? DEFAULT_TURN_END_TRIGGERS).has(trigger.kind)
    )
      options.turnEnd.atTurnEnd()
    return run
  }

  async #fail(
    run: RunState,
    emitter: TurnEmitter,
    error: unknown,
    signal: AbortSignal,
    onPart: (part: RunPart) => void,
    now: () => number,
  ): Promise<void> {
    // A cancellation keeps the code of its reason when it has one (a resource limit, a refused
    // input); only a reason without one (a deadline, a client gone) is E_TIMEOUT.
    const reason = signal.reason as Error | undefined
    const failure = signal.aborted
      ? new HubError(
          reason instanceof HubError ? reason.code : 'E_TIMEOUT',
          `the run was cancelled: ${reason?.message ?? 'the client went away or the hub is stopping'}`,
          { cause: error },
        )
      : toHubError(error)
    run.outcome = signal.aborted ? 'cancelled' : 'error'
    run.error = { code: failure.code, message: failure.message }
    onPart({ kind: 'error', code: failure.code, message: failure.message })
    // A cancelled turn still ends for the skills that keep turns (memory keeps what was spoken
    // before a barge-in, docs/voice.md); a failed one is not kept.
    if (run.outcome === 'cancelled')
      await this.#options.skills.beforeEmit('turn.end', { run, emitter }).catch(() => undefined)
    // The end of a failed run is reported even when the publisher is what failed; that error is the one raised.
    // Its message may come from anywhere (a model server's answer): checked at emit, as a skill's event.
    await emitter
      .emit(
        'error.raised',
        { code: failure.code, message: failure.message, recoverable: failure.code !== 'E_UNKNOWN' },
        { severity: 'error' },
      )
      .catch(() => undefined)
    await emitter
      .emitOwn('turn.end', {
        sessionId: run.sessionId,
        outcome: 'error',
        durationMs: Math.max(0, Math.round(now() - run.startedAt)),
      })
      .catch(() => undefined)
    await emitter.settle().catch(() => undefined)
  }
}
