import type { SkillHealth } from '../../skill-api/index.ts'

/**
 * A skill host's state as the stdio supervisor and the NATS attach point keep it: ready, closed,
 * or one of the transport's own states, with the reason calls are refused meanwhile.
 */
export type HostState<Name extends string> =
  | { name: 'ready' }
  | { name: 'closed' }
  | { name: Name; reason: string }

/**
 * What the hub's health check reports for a host: `lasting` names the states that need someone to
 * fix the host (unavailable); in the others it may come back by itself (degraded).
 */
export function hostHealth<Name extends string>(
  state: HostState<Name>,
  lasting: readonly Name[],
): SkillHealth {
  if ('reason' in state)
    return { state: lasting.includes(state.name) ? 'unavailable' : 'degraded', reason: state.reason }
  return state.name === 'ready' ? { state: 'ready' } : { state: 'unavailable', reason: 'the hub is closing' }
}
