// Federation (seed 001's routing skeleton, first slice): the capability registry built from events,
// the resolver with its scoring formula, and exec tokens. docs/federation.md says what exists.
export type { AgentCaller } from './agent-ownership.ts'
export { CapabilityRegistry } from './capability-registry.ts'
export type { ReportRequest } from './exec-gate.ts'
export { ExecTokenSigner } from './exec-token.ts'
export { resolveFederationOptions } from './federation-options.ts'
export { FederationService } from './federation-service.ts'
export type { ExecRequest } from './federation-types.ts'
export { openExecTokenSigner } from './hub-key.ts'
export { answerRegistryCommands } from './registry-commands.ts'
export { answerResolveCommands } from './resolve-command.ts'
export { resolvePlan } from './resolver.ts'
// ---- scenario DSL (docs/scenarios.md) ----
export { ScenarioBook } from './scenario-book.ts'
export { scenarioResolveBody } from './scenario-compile.ts'
export { checkScenarioText } from './scenario-load.ts'
export { answerScenarioRuns } from './scenario-run.ts'
