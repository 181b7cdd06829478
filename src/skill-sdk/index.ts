// `localhub/skill`: write a skill in TypeScript that runs as its own process and speaks the frame
// protocol (docs/writing-a-stdio-skill.md). Everything here is for skill authors outside this repo.

export { defineStdioSkill, defineTool } from './define.ts'
export { manifestEntriesOf, manifestProblems } from './manifest-entries.ts'
export type {
  ConsentRevokeAnswer,
  EventHandlers,
  PermissionAnswer,
  PermissionAsk,
  Primitive,
  PublishOptions,
  SkillCallContext,
  StdioSkillDefinition,
  ToolDefinitionInput,
} from './sdk-types.ts'
export type { RunningSkill, RunOptions } from './stdio-skill-runtime.ts'
export { DEFAULT_PERMISSION_TIMEOUT_MS, EXIT_INVALID_MANIFEST, runStdioSkill } from './stdio-skill-runtime.ts'
