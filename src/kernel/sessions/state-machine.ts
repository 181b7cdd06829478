import { compileTypePattern } from '../../bus/index.ts'
import { HubError } from '../../contracts/index.ts'
import type { StateMachine } from '../../manifest/index.ts'

/** What an event does to a session in a given state. */
export type TransitionOutcome =
  | { kind: 'none' }
  | { kind: 'moved'; from: string; to: string; on: string }
  | { kind: 'rejected'; from: string; on: string; reason: string }

interface CompiledTransition {
  on: string
  matches: (type: string) => boolean
  from: ReadonlySet<string> | '*'
  to: string
}

export interface CompiledStateMachine {
  readonly initial: string
  readonly states: readonly string[]
  /** How `eventType` moves a session in `state`; `none` when the type triggers no transition at all. */
  next(state: string, eventType: string): TransitionOutcome
}

// Most of a turn's events trigger no transition: one shared answer for them, not one per event.
const NONE: TransitionOutcome = Object.freeze({ kind: 'none' })

/**
 * Compiles the manifest's state machine. Transitions are tried in manifest order and the first one
 * whose `on` and `from` match wins; an event that triggers transitions elsewhere but none from the
 * current state is rejected (reported, never silently ignored).
 */
export function compileStateMachine(definition: StateMachine): CompiledStateMachine {
  const states = [...definition.states]
  const known = new Set(states)
  const initial = definition.initial ?? (known.has('idle') ? 'idle' : states[0])
  if (initial === undefined || !known.has(initial)) {
    throw new HubError(
      'E_VALIDATION',
      `state machine: initial state ${String(initial)} is not one of ${states.join(', ')}`,
    )
  }
  const transitions: CompiledTransition[] = definition.transitions.map((transition, index) => {
    const from =
      transition.from === '*'
        ? '*'
        : new Set(Array.isArray(transition.from) ? transition.from : [transition.from])
    for (const state of [...(from === '*' ? [] : from), transition.to]) {
      if (!known.has(state as string)) {
        throw new HubError(
          'E_VALIDATION',
          `state machine transition ${index} names unknown state ${String(state)}`,
        )
      }
    }
    return {
      on: transition.on,
      matches: compileTypePattern(transition.on),
      from: from as CompiledTransition['from'],
      to: transition.to,
    }
  })

  function next(state: string, eventType: string): TransitionOutcome {
    let triggers = false
    // An index, not for…of: unless this is optimised, an iterator and a result object per step.
    for (let index = 0; index < transitions.length; index++) {
      const transition = transitions[index]!
      if (!transition.matches(eventType)) continue
      triggers = true
      if (transition.from === '*' || transition.from.has(state)) {
        return { kind: 'moved', from: state, to: transition.to, on: eventType }
      }
    }
    if (!triggers) return NONE
    return {
      kind: 'rejected',
      from: state,
      on: eventType,
      reason: `${eventType} has no transition from state ${state}`,
    }
  }

  return Object.freeze({ initial, states, next })
}
