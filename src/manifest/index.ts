// The size, UTF-8, issue-cap and freeze guards, shared with other YAML documents of the hub.
export {
  cappedIssues,
  deepFreeze,
  isMapping,
  notMappingIssue,
  readGuardedText,
} from './document-guards.ts'
export { hostToolTiersOf } from './host-tool-tiers.ts'
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
// The manifest's YAML reading and issue positions, reused for other YAML documents of the hub
// (scenario files: src/federation/scenario-load.ts) so they report errors the same way.
export { formatIssue, orderIssues } from './manifest-issue.ts'
export type {
  Branch,
  BusSection,
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
export { locateIssues } from './yaml-positions.ts'
export { parseYamlSource } from './yaml-source.ts'
