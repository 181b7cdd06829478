export { KERNEL_HTTP_ROUTES, serverAddressOf } from './kernel-api.ts'
export {
  DEFAULT_REGISTRY_YAML_PATH,
  knownTypesFromEntries,
  knownTypesFromRegistryYaml,
  readKnownTypes,
} from './known-types.ts'
export {
  checkManifestText,
  DEFAULT_MANIFEST_MAX_BYTES,
  loadManifest,
  parseManifest,
} from './load-manifest.ts'
export { DEFAULT_STATE_MACHINE } from './manifest-defaults.ts'
export type { IssueDraft as ManifestProblem, ManifestIssue } from './manifest-issue.ts'
export { formatIssue } from './manifest-issue.ts'
export type {
  Branch,
  CallStep,
  HubManifest,
  Pipeline,
  PipelineStep,
  Skill,
  StateMachine,
  WorkspaceRoot,
  WyomingSatelliteEntry,
  WyomingServerSection,
} from './manifest-types.ts'
export { stepKind } from './manifest-types.ts'
export type { McpServerDeclaration, McpToolTier } from './mcp-servers.ts'
export { MCP_CONFIG_KEYS, MCP_MODULE, mcpServersOf } from './mcp-servers.ts'
export { storagePathOf } from './storage-path.ts'
export { BUILTIN_TOOLS, toolPolicyOf } from './tool-policy.ts'
export {
  DEFAULT_WYOMING_END_OF_SPEECH_MS,
  DEFAULT_WYOMING_SERVER_HOST,
  isLoopbackHost,
} from './wyoming-checks.ts'
