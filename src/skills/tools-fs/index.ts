export { createFsTools } from './fs-tools.ts'
export type { AuditSink, FsClock, FsToolsOptions, WorkspaceRoot } from './fs-tools-options.ts'
export {
  DEFAULT_ACTOR_SKILL,
  DEFAULT_MAX_LIST_ENTRIES,
  DEFAULT_MAX_PATCH_BYTES,
  DEFAULT_MAX_PREVIEW_ENTRIES,
  DEFAULT_MAX_READ_BYTES,
  DEFAULT_MAX_SEARCH_FILES,
  DEFAULT_MAX_SEARCH_MATCHES,
  DEFAULT_MAX_SEARCH_OUTPUT_BYTES,
  DEFAULT_MAX_SEARCHED_FILE_BYTES,
  DEFAULT_MAX_TREE_ENTRIES,
  DEFAULT_MAX_TREE_HASH_BYTES,
  DEFAULT_MAX_WRITE_BYTES,
  DEFAULT_SEARCH_TIME_BUDGET_MS,
  NAME_MAX_BYTES,
  PATH_MAX_BYTES,
} from './fs-tools-options.ts'
export type { IgnoreRule } from './gitignore.ts'
export { IgnoreScope, parseGitignore } from './gitignore.ts'
export { unifiedDiff } from './line-diff.ts'
export { applyHunks } from './patch-apply.ts'
export type { FilePatch, Hunk, HunkLine } from './patch-parse.ts'
export { parsePatch } from './patch-parse.ts'
export type {
  ExecuteContext,
  ExecuteResult,
  MutatingToolName,
  Plan,
  PlannedFile,
  TreeEntry,
} from './plan-types.ts'
export type { ListDirEntry, ListDirResult, ReadFileResult } from './read-tools.ts'
export type { SearchMatch, SearchResult, TruncatedBy } from './search-files.ts'
export { toolsFsSkillModule as skillModule } from './skill-module.ts'
export type { MutatingTool, ReadTool, RegisteredTool, ToolRegistry } from './tool-registry.ts'
export { createToolRegistry } from './tool-registry.ts'
export type { ToolDescriptor } from './tool-schemas.ts'
export { FS_TOOL_DESCRIPTORS } from './tool-schemas.ts'
