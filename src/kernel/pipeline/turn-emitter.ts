import { isoTime, uuidV7 } from '../../bus/index.ts'
import {
  type Contracts,
  type Envelope,
  type EventType,
  HubError,
  type PayloadOf,
} from '../../contracts/index.ts'
import type { EmitOptions, RunEmitter } from '../../skill-api/index.ts'
import type { SessionRegistry } from '../sessions/index.ts'
import type { EventPublisher, PublishOutcome } from './pipeline-types.ts'

export interface TurnEmitterOptions {
  publisher: EventPublisher
  contracts: Contracts
  sessions: SessionRegistry
  traceId: string
  sessionId: string
  source: string
  now: () => number
  /** The event that caused the run (a bus trigger): the first event's causationId. */
  causationId?: string
  /** Sees each event after it is handed to the bus (a WS entry streams them to its client). */
  onEvent?: (envelope: Envelope) => void
  /**
   * Keep events (validated, in order) and hand them to the bus at `release()` or after this many
   * ms, whichever comes first: a chat turn releases at its first token, so no commit (an fsync
   * that blocks the event loop) runs between the request and the first token (decision 1730).
   */
  holdMs?: number
}

/** Longest a held turn keeps its events from the bus when nothing releases them. */
export const DEFAULT_TURN_HOLD_MS = 200

// Shared, never changed: an emit without options allocates none.
const NO_OPTIONS: EmitOptions = Object.freeze({})
const WARN: EmitOptions = Object.freeze({ severity: 'warn' })

/**
 * Publishes a turn's events as one causal chain: every stored event's causationId is the stored
 * event before it (ephemeral ones point at the last stored event but are never pointed at, since
 * they are not in the log). After each event it applies the session state machine and publishes
 * the resulting session.state.changed or session.transition.rejected in the same chain.
 */
export class TurnEmitter implements RunEmitter {
  readonly #options: TurnEmitterOptions
  #lastStoredId: string | undefined
  // An event is built, ordered and handed on synchronously, in the call that emits it (decision
  // 1785): no promise chain per event. Only an emit made while another is being built (from
  // onEvent, say) waits in this queue, and every later one behind it, so the order stays the
  // call order.
  #emitting = false
  #queued = 0
  #queue: Promise<unknown> = Promise.resolve()
  // Commits still running. A turn does not wait for each event's fsync (that would put every
  // commit on the path to the first token); it waits for all of them once, in settle().
  #commitsRunning = 0
  #commitsDone: (() => void) | undefined
  #commitError: unknown
  /** Events built but not yet handed to the bus (while the turn holds them). */
  #held: Envelope[] | undefined
  #holdTimer: NodeJS.Timeout | undefined
  // Events emitted after the hold, gathered until the check phase of the loop turn they were
  // emitted in and then handed to the bus in one call (decision 2065): a turn's later events
  // (a token's, the end's) come in bursts within one turn, and one publish per event cost the bus
  // a queue entry, promises and an outcome array each. Counted as one running commit while
  // gathered, so settle() waits for them as for any commit.
  #batch: Envelope[] | undefined
  #batchImmediate: NodeJS.Immediate | undefined

  constructor(options: TurnEmitterOptions) {
    this.#options = options
    this.#lastStoredId = options.causationId
    if (options.holdMs !== undefined) {
      this.#held = []
      this.#holdTimer = setTimeout(() => this.release(), options.holdMs)
    }
  }

  /** Hands the held events to the bus in the order they were emitted; later events are gathered per loop turn. */
  release(): void {
    const held = this.#held
    if (held === undefined) return
    this.#held = undefined
    clearTimeout(this.#holdTimer)
    if (held.length === 0) return
    const { publisher } = this.#options
    // One batch, in this order: one hand-over for the whole turn so far instead of one per event.
    if (publisher.publishManyUntyped !== undefined) {
      this.#track(publisher.publishManyUntyped(held).then(this.#checkOutcomes))
      return
    }
    for (const envelope of held) this.#handOver(envelope)
  }

  get lastEventId(): string | undefined {
    return this.#lastStoredId
  }

  /** An event from a skill or any other caller: validated here, at once (the bus does not check it again). */
  emit<T extends EventType>(
    type: T,
    payload: PayloadOf<T>,
    options: EmitOptions = NO_OPTIONS,
  ): Promise<Envelope> {
    return this.#enqueue(type, payload as Record<string, unknown>, options, false)
  }

  emitUntyped(
    type: string,
    payload: Record<string, unknown>,
    options: EmitOptions = NO_OPTIONS,
  ): Promise<Envelope> {
    return this.#enqueue(type, payload, options, false)
  }

  /**
   * One of the kernel's own events (turn.start, pipeline.status, chat.query, turn.end…), its
   * payload built by kernel code from typed values. While the turn holds its events they are not
   * validated here: the bus validates every event it is handed, so each is checked once, at the
   * hand-over after the first token, instead of here and there (decision 1755). A refusal then
   * fails the turn at `settle()`, as a failed commit does. Not held, it is checked here as any
   * event is. Skills never reach this door: their emitters call `emit`/`emitUntyped`.
   */
  emitOwn<T extends EventType>(
    type: T,
    payload: PayloadOf<T>,
    options: EmitOptions = NO_OPTIONS,
  ): Promise<Envelope> {
    return this.#enqueue(type, payload as Record<string, unknown>, options, true)
  }

  #enqueue(
    type: string,
    payload: Record<string, unknown>,
    options: EmitOptions,
    own: boolean,
  ): Promise<Envelope> {
    if (this.#emitting || this.#queued > 0) {
      this.#queued++
      const next = this.#queue.then(() => {
        this.#queued--
        return this.#emitNow(type, payload, options, own)
      })
      this.#queue = next.catch(() => undefined)
      return next
    }
    try {
      return Promise.resolve(this.#emitNow(type, payload, options, own))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #emitNow(type: string, payload: Record<string, unknown>, options: EmitOptions, own: boolean): Envelope {
    this.#emitting = true
    try {
      const envelope = this.#publish(type, payload, options, own)
      const { sessions, sessionId, traceId } = this.#options
      const outcome = sessions.observe(sessionId, type, traceId)
      // The session's own events are built here from the state machine's answer: the kernel's own.
      if (outcome.kind === 'moved' && outcome.from !== outcome.to) {
        this.#publish(
          'session.state.changed',
          { sessionId, from: outcome.from, to: outcome.to, cause: type },
          NO_OPTIONS,
          true,
        )
      } else if (outcome.kind === 'rejected') {
        this.#publish(
          'session.transition.rejected',
          { sessionId, state: outcome.from, event: type, reason: outcome.reason },
          WARN,
          true,
        )
      }
      return envelope
    } finally {
      this.#emitting = false
    }
  }

  #publish(type: string, payload: Record<string, unknown>, options: EmitOptions, own: boolean): Envelope {
    const { contracts, traceId, sessionId, source, now } = this.#options
    const entry = contracts.entry(type)
    // One clock reading for the id and the timestamp; the events of a burst share the ts string.
    const at = now()
    const id = uuidV7(at)
    const version = entry?.version ?? 1
    const ts = isoTime(at)
    const eventSource = options.source ?? source
    const severity = options.severity ?? 'info'
    const causationId = this.#lastStoredId
    // One literal per shape, fields in the log's order (causationId before sessionId): every field
    // in the object itself, none added afterwards into a second backing store (decision 2077).
    const envelope: Envelope =
      causationId === undefined
        ? {
            id,
            type,
            version,
            ts,
            source: eventSource,
            severity,
            traceId,
            sessionId,
            tenant: 'default',
            payload,
          }
        : {
            id,
            type,
            version,
            ts,
            source: eventSource,
            severity,
            traceId,
            causationId,
            sessionId,
            tenant: 'default',
            payload,
          }
    if (!own || this.#held === undefined) {
      // Checked here, once: the contracts vouch for the envelope, so the bus (the same contracts)
      // takes it at the hand-over without a second check; its guardrails still run (decision
      // 2076). The id and ts were made just above from this emitter's clock.
      const checked = contracts.vouchEnvelope(envelope, 'id-and-ts')
      if (!checked.ok) {
        throw new HubError(checked.error.code, `${type}: ${checked.error.message}`, {
          details: checked.error.details,
        })
      }
    }
    if (this.#held !== undefined) this.#held.push(envelope)
    else this.#handOver(envelope)
    if (entry?.stored !== false) this.#lastStoredId = envelope.id
    this.#options.onEvent?.(envelope)
    return envelope
  }

  #handOver(envelope: Envelope): void {
    const { publisher } = this.#options
    if (publisher.publishManyUntyped === undefined) {
      this.#track(publisher.publishUntyped(envelope))
      return
    }
    if (this.#batch !== undefined) {
      this.#batch.push(envelope)
      return
    }
    this.#batch = [envelope]
    this.#commitsRunning++
    // setImmediate, not a microtask: a turn's end runs through several awaits, each a microtask
    // hop, and a microtask flush would cut that burst into pieces. Events emitted from I/O or a
    // timer go in the same loop turn's check phase; only ones emitted in a check phase wait for
    // the next one.
    this.#batchImmediate = setImmediate(this.#flushBatch)
  }

  /** Hands the gathered events to the bus, in emit order, as one batch. */
  readonly #flushBatch = (): void => {
    const batch = this.#batch
    if (batch === undefined) return
    this.#batch = undefined
    clearImmediate(this.#batchImmediate)
    this.#batchImmediate = undefined
    // The count was taken when the batch began.
    this.#options.publisher.publishManyUntyped!(batch)
      .then(this.#checkOutcomes)
      .then(this.#commitEnded, this.#commitFailed)
  }

  /** Counts a commit until it ends; the first failure is kept for settle(). */
  #track(commit: Promise<unknown>): void {
    this.#commitsRunning++
    commit.then(this.#commitEnded, this.#commitFailed)
  }

  readonly #checkOutcomes = (outcomes: readonly PublishOutcome[]): void => {
    for (const outcome of outcomes) {
      if (outcome.ok) continue
      const { code, message, details } = outcome.error
      throw new HubError(code, message, details === undefined ? {} : { details })
    }
  }

  readonly #commitFailed = (error: unknown): void => {
    this.#commitError ??= error
    this.#commitEnded()
  }

  readonly #commitEnded = (): void => {
    this.#commitsRunning--
    if (this.#commitsRunning === 0) {
      const done = this.#commitsDone
      this.#commitsDone = undefined
      done?.()
    }
  }

  /** Waits until every event emitted so far is committed; throws the first publish failure. */
  async settle(): Promise<void> {
    while (this.#queued > 0) await this.#queue
    this.release()
    // The turn is ending: its gathered events need not wait for the check phase (any emitted
    // later start a batch of their own, which the wait below counts).
    this.#flushBatch()
    while (this.#commitsRunning > 0) {
      await new Promise<void>((resolve) => {
        const earlier = this.#commitsDone
        this.#commitsDone =
          earlier === undefined
            ? resolve
            : () => {
                earlier()
                resolve()
              }
      })
    }
    if (this.#commitError !== undefined) {
      const error = this.#commitError
      this.#commitError = undefined
      throw error
    }
  }
}
