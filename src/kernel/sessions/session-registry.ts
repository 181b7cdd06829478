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
 * What the registry keeps of a session. Times are clock readings (ms), formatted only when read:
 * every event of a turn touches its session, and a Date plus an ISO string per event was garbage
 * on the path to the first token that nothing reads until /sessions is asked (decision 2086).
 */
interface SessionRecord {
  sessionId: string
  state: string
  createdAtMs: number
  lastActiveAtMs: number
  turns: number
  lastTraceId: string | undefined
}

function summaryOf(record: SessionRecord): SessionSummary {
  const summary: SessionSummary = {
    sessionId: record.sessionId,
    state: record.state,
    createdAt: new Date(record.createdAtMs).toISOString(),
    lastActiveAt: new Date(record.lastActiveAtMs).toISOString(),
    turns: record.turns,
  }
  if (record.lastTraceId !== undefined) summary.lastTraceId = record.lastTraceId
  return summary
}

/**
 * Tracks each session's state. It only decides; the caller publishes the
 * session.state.changed / session.transition.rejected events so they join the turn's causal chain.
 */
export class SessionRegistry {
  readonly #machine: CompiledStateMachine
  readonly #clock: Clock
  readonly #maxSessions: number
  readonly #sessions = new Map<string, SessionRecord>()
  /** The session touched last, already at the end of the map's order. */
  #newest: SessionRecord | undefined

  constructor(machine: CompiledStateMachine, clock: Clock, maxSessions: number = DEFAULT_MAX_SESSIONS) {
    this.#machine = machine
    this.#clock = clock
    this.#maxSessions = maxSessions
  }

  /** The session as /sessions shows it (a copy: changing it changes nothing here). */
  get(sessionId: string): SessionSummary {
    return summaryOf(this.#touch(sessionId))
  }

  /** The session's record, made the most recent; created in the machine's initial state when new. */
  #touch(sessionId: string): SessionRecord {
    const newest = this.#newest
    // A turn's events all touch one session: it is already the most recent, and moving it again
    // (a delete and a set) would leave a hole in the map's table for every event.
    if (newest !== undefined && newest.sessionId === sessionId) return newest
    const existing = this.#sessions.get(sessionId)
    if (existing !== undefined) {
      // Map order is insertion order: re-inserting keeps the most recent at the end.
      this.#sessions.delete(sessionId)
      this.#sessions.set(sessionId, existing)
      this.#newest = existing
      return existing
    }
    const now = this.#clock.now()
    const created: SessionRecord = {
      sessionId,
      state: this.#machine.initial,
      createdAtMs: now,
      lastActiveAtMs: now,
      turns: 0,
      lastTraceId: undefined,
    }
    this.#sessions.set(sessionId, created)
    this.#newest = created
    if (this.#sessions.size > this.#maxSessions) {
      const oldest = this.#sessions.keys().next().value
      if (oldest !== undefined) this.#sessions.delete(oldest)
      // Only with a limit below one can the session just made be the one forgotten.
      if (oldest === sessionId) this.#newest = undefined
    }
    return created
  }

  /** Applies an event type to the session and returns what happened. */
  observe(sessionId: string, eventType: string, traceId?: string): TransitionOutcome {
    const session = this.#touch(sessionId)
    session.lastActiveAtMs = this.#clock.now()
    if (traceId !== undefined) session.lastTraceId = traceId
    const outcome = this.#machine.next(session.state, eventType)
    if (outcome.kind === 'moved') session.state = outcome.to
    return outcome
  }

  countTurn(sessionId: string): void {
    this.#touch(sessionId).turns++
  }

  /** Every session, the most recently active first, as /sessions and the dashboard show them. */
  list(): SessionSummary[] {
    const summaries: SessionSummary[] = []
    for (const record of this.#sessions.values()) summaries.push(summaryOf(record))
    return summaries.reverse()
  }
}
