import type { PayloadOf } from '../../contracts/index.ts'
import type { RunState } from '../../skill-api/index.ts'

/** An emit step's event whose payload the kernel builds from the turn's own state. */
export type OwnEmit =
  | { type: 'chat.query'; payload: PayloadOf<'chat.query'> }
  | { type: 'turn.end'; payload: PayloadOf<'turn.end'> }

/**
 * Payloads of the turn's own events that a pipeline's `emit` steps name, built from its state;
 * undefined for any other type (see `preparedPayloadForEmit`).
 */
export function ownPayloadForEmit(type: string, turn: RunState, now: number): OwnEmit | undefined {
  switch (type) {
    case 'chat.query':
      return {
        type,
        payload: {
          text: turn.text,
          sessionId: turn.sessionId,
          ...(turn.locale === undefined ? {} : { locale: turn.locale }),
        },
      }
    case 'turn.end':
      // A run's outcome is set after its steps, so an emit step sees none; a cancelled one
      // (which turn.end cannot carry) takes the other path and is refused there, at once.
      if (turn.outcome === 'cancelled') return undefined
      return {
        type,
        payload: {
          sessionId: turn.sessionId,
          outcome: turn.outcome ?? 'ok',
          durationMs: Math.max(0, Math.round(now - turn.startedAt)),
        },
      }
    default:
      return undefined
  }
}

/**
 * The payload of any other type an emit step names: what a skill prepared under run.data
 * `payload:<type>` (the triage skill's nudge), or an empty payload, which its schema must then allow.
 */
export function preparedPayloadForEmit(type: string, turn: RunState): Record<string, unknown> {
  const prepared = turn.data.get(`payload:${type}`)
  return prepared !== null && typeof prepared === 'object' ? { ...(prepared as Record<string, unknown>) } : {}
}
