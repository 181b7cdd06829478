export type { ExtractedFact, FactKind } from './extract-facts.ts'
export { extractFacts, summarizeTurn } from './extract-facts.ts'
export type { Clock, MemoryStoreOptions } from './memory-options.ts'
export {
  DEFAULT_CONTEXT_LIMIT,
  DEFAULT_CONTEXT_MAX_CHARS,
  DEFAULT_LIST_LIMIT,
  DEFAULT_MAX_TEXT_CHARS,
  DEFAULT_RECENT_EPISODES,
  DEFAULT_RETENTION_SWEEP_INTERVAL_MS,
  MAX_LIST_LIMIT,
} from './memory-options.ts'
export type {
  ForgetRequest,
  ForgetResult,
  ListRequest,
  MemoryEntry,
  MemoryReceipt,
  StoredFact,
  TurnRecord,
} from './memory-records.ts'
export type { MemoryStore } from './memory-store.ts'
export { openMemoryStore } from './memory-store.ts'
export type { ContextFact, ContextRequest, ContextSummary, MemoryContext } from './read-context.ts'
export { toMemoryContextPayload } from './read-context.ts'
export type { ScrubReport } from './scrub-secrets.ts'
export { memorySkillModule as skillModule } from './skill-module.ts'
