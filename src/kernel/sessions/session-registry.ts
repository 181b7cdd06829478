import type { Clock } from '../../bus/index.ts'
import type { CompiledStateMachine, TransitionOutcome } from './state-machine.ts'

export interface SessionSummary {
  sessionId: string
  state: string
  createdAt: string
  lastActiveAt: string
  turns: number
  lastTraceId?: string
}

/** Default number of sessions kept in memory; the least recently active are forgotten first. */
export const DEFAULT_MAX_SESSIONS = 10_000

/**
 * Tracks each session's state. It only decides; the caller publishes the
 * session.state.changed / session.transition.rejected events so they join the turn's causal chain.
 */
export class SessionRegistry {
  readonly #machine: CompiledStateMachine
  readonly #clock: Clock
  readonly #maxSessions: number
  readonly #sessions = new Map<string, SessionSummary>()

  constructor(machine: CompiledStateMachine, clock: Clock, maxSessions: number = DEFAULT_MAX_SESSIONS) {
    this.#machine = machine
    this.#clock = clock
    this.#maxSessions = maxSessions
  }

  get(sessionId: string): SessionSummary {
    const existing = this.#sessions.get(sessionId)
    if (existing !== undefined) {
      // Map order is insertion order: re-inserting keeps the most recent at the end.
      this.#sessions.delete(sessionId)
      this.#sessions.set(sessionId, existing)
      return existing
    }
    const now = new Date(this.#clock.now()).toISOString()
    const created: SessionSummary = {
      sessionId,
      state: this.#machine.initial,
      createdAt: now,
      lastActiveAt: now,
      turns: 0,
    }
    this.#sessions.set(sessionId, created)
    if (this.#sessions.size > this.#maxSessions) {
      const oldest = this.#sessions.keys().next().value
      if (oldest !== undefined) this.#sessions.delete(oldest)
    }
    return created
  }

  /** Applies an event type to the session and returns what happened. */
  observe(sessionId: string, eventType: string, traceId?: string): TransitionOutcome {
    const session = this.get(sessionId)
    session.lastActiveAt = new Date(this.#clock.now()).toISOString()
    if (traceId !== undefined) session.lastTraceId = traceId
    const outcome = this.#machine.next(session.state, eventType)
    if (outcome.kind === 'moved') session.state = outcome.to
    return outcome
  }

  countTurn(sessionId: string): void {
    this.get(sessionId).turns++
  }

  list(): SessionSummary[] {
    return [...this.#sessions.values()].reverse().map((session) => ({ ...session }))
  }
}
