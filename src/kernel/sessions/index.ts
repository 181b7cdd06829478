export { DEFAULT_MAX_SESSIONS, SessionRegistry } from './session-registry.ts'
export { compileStateMachine } from './state-machine.ts'
