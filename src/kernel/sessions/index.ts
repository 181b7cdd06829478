export type { SessionSummary } from './session-registry.ts'
export { DEFAULT_MAX_SESSIONS, SessionRegistry } from './session-registry.ts'
export type { CompiledStateMachine, TransitionOutcome } from './state-machine.ts'
export { compileStateMachine } from './state-machine.ts'
