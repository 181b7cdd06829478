// localhub/agent (package.json "exports"): the runtime a member device, a browser host or another
// hub process runs to offer capabilities to a hub (docs/federation.md, "Running an agent").
export type { AgentCapability, AgentDefinition, AgentOptions, StepContext } from './agent-options.ts'
export { DEFAULT_AGENT_HEARTBEAT_MS, DEFAULT_AGENT_TTL_MS } from './agent-options.ts'
export type { RunningAgent } from './agent-runtime.ts'
export { startAgent } from './agent-runtime.ts'
export type { DispatchKeyPair, SealedGrant } from './sealed-grant.ts'
export {
  dispatchKeyPairFromPem,
  generateDispatchKeyPair,
  openGrant,
  SEALED_GRANT_ALG,
  sealGrant,
} from './sealed-grant.ts'
