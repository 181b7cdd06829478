import type { TurnState } from './pipeline-types.ts'

/**
 * Payloads of the events a pipeline's `emit` steps name. The turn's own events are built from its
 * state; any other type is emitted with an empty payload, which its schema must then allow
 * (checked when the hub starts, so a manifest cannot name an emit the hub cannot fill).
 */
export function payloadForEmit(type: string, turn: TurnState, now: number): Record<string, unknown> {
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
    default:
      return {}
  }
}
