export type { ServerAddress } from './kernel-api.ts'
export { KERNEL_HTTP_ROUTES, serverAddressOf } from './kernel-api.ts'
export {
  DEFAULT_REGISTRY_YAML_PATH,
  knownTypesFromEntries,
  knownTypesFromRegistryYaml,
  readKnownTypes,
  typeReferenceProblem,
} from './known-types.ts'
export type { ManifestCheck, ManifestLoadOptions, ManifestSource } from './load-manifest.ts'
export {
  checkManifestText,
  DEFAULT_MANIFEST_MAX_ALIAS_COUNT,
  DEFAULT_MANIFEST_MAX_BYTES,
  DEFAULT_MANIFEST_MAX_DEPTH,
  DEFAULT_MANIFEST_MAX_ISSUES,
  loadManifest,
  parseManifest,
  readManifestFile,
} from './load-manifest.ts'
export {
  DEFAULT_KERNEL_BASE_URL,
  DEFAULT_OLLAMA_BASE_URL,
  DEFAULT_STATE_MACHINE,
} from './manifest-defaults.ts'
export type { IssueDraft as ManifestProblem, ManifestIssue } from './manifest-issue.ts'
export { formatIssue } from './manifest-issue.ts'
export type {
  Branch,
  CallStep,
  CapabilityTier,
  ContractsSection,
  EmitStep,
  HttpEndpoint,
  HubManifest,
  IfStep,
  KernelSection,
  LatencyClass,
  LlmProvider,
  LlmSection,
  Pipeline,
  PipelineStep,
  RecvStep,
  RetentionRule,
  RetentionSection,
  Skill,
  SkillAction,
  StateMachine,
  StepKind,
  SystemSection,
  Transition,
  Transport,
  TransportType,
  WorkspaceRoot,
  WorkspaceSection,
  WsEndpoint,
} from './manifest-types.ts'
export { LATENCY_CLASSES, LLM_PROVIDERS, STEP_KINDS, stepKind, TRANSPORT_TYPES } from './manifest-types.ts'
export type { ManifestSchemaValidator } from './schema-validator.ts'
export {
  createManifestValidator,
  DEFAULT_MANIFEST_SCHEMA_PATH,
  defaultManifestValidator,
  readManifestSchema,
} from './schema-validator.ts'
export { storagePathOf } from './storage-path.ts'
export type { ToolPolicy } from './tool-policy.ts'
export { BUILTIN_TOOLS, toolPolicyOf } from './tool-policy.ts'
