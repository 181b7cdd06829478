// What the page keeps up to date from the live stream besides the event list: each session's
// state (session.state.changed), the nudges shown (ui.nudge) and the person's interruptibility
// (ui.interruptibility). Applied per batch, so the 20,000-event list is never rescanned.
import type { Envelope, UiNudgePayload } from '../../../src/contracts/index.ts'

export const MAX_NUDGES = 50

export type InterruptibilityMode = 'dnd' | 'focus' | 'available'

export interface SessionView {
  state: string
  since: string
  cause?: string
}

export interface NudgeView {
  eventId: string
  ts: string
  payload: UiNudgePayload
}

export interface LiveState {
  sessions: ReadonlyMap<string, SessionView>
  nudges: readonly NudgeView[]
  interruptibility?: InterruptibilityMode
}

export const EMPTY_LIVE_STATE: LiveState = Object.freeze({ sessions: new Map(), nudges: [] })

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

/** Returns a new state when the batch changed anything, else the same object. */
export function applyLiveEvents(state: LiveState, events: readonly Envelope[]): LiveState {
  let sessions: Map<string, SessionView> | undefined
  let nudges: NudgeView[] | undefined
  let interruptibility = state.interruptibility
  for (const event of events) {
    const payload = record(event.payload)
    if (payload === undefined) continue
    if (event.type === 'session.state.changed') {
      const sessionId = typeof payload.sessionId === 'string' ? payload.sessionId : event.sessionId
      if (typeof sessionId !== 'string' || typeof payload.to !== 'string') continue
      sessions ??= new Map(state.sessions)
      sessions.set(sessionId, {
        state: payload.to,
        since: event.ts,
        ...(typeof payload.cause === 'string' ? { cause: payload.cause } : {}),
      })
    } else if (event.type === 'ui.nudge') {
      if (typeof payload.title !== 'string' || typeof payload.proposalId !== 'string') continue
      nudges ??= [...state.nudges]
      nudges.unshift({ eventId: event.id, ts: event.ts, payload: payload as unknown as UiNudgePayload })
      if (nudges.length > MAX_NUDGES) nudges.length = MAX_NUDGES
    } else if (event.type === 'ui.interruptibility') {
      if (payload.mode === 'dnd' || payload.mode === 'focus' || payload.mode === 'available')
        interruptibility = payload.mode
    }
  }
  if (sessions === undefined && nudges === undefined && interruptibility === state.interruptibility)
    return state
  return {
    sessions: sessions ?? state.sessions,
    nudges: nudges ?? state.nudges,
    ...(interruptibility === undefined ? {} : { interruptibility }),
  }
}
