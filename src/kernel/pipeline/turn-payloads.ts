import type { RunState } from '../../skill-api/index.ts'

/**
 * Payloads of the events a pipeline's `emit` steps name. The turn's own events are built from its
 * state; any other type carries what a skill prepared under run.data `payload:<type>`, or an empty
 * payload, which its schema must then allow.
 */
export function payloadForEmit(type: string, turn: RunState, now: number): Record<string, unknown> {
  switch (type) {
    case 'chat.query':
      return {
        text: turn.text,
        sessionId: turn.sessionId,
        ...(turn.locale === undefined ? {} : { locale: turn.locale }),
      }
    case 'turn.end':
      return {
        sessionId: turn.sessionId,
        outcome: turn.outcome ?? 'ok',
        durationMs: Math.max(0, Math.round(now - turn.startedAt)),
      }
    default: {
      // A skill prepares the payload of a later emit step (the triage skill's nudge) in run.data.
      const prepared = turn.data.get(`payload:${type}`)
      return prepared !== null && typeof prepared === 'object'
        ? { ...(prepared as Record<string, unknown>) }
        : {}
    }
  }
}
