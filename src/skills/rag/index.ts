export type { ChunkOptions, TextChunk } from './chunk-text.ts'
export { chunkText } from './chunk-text.ts'
export type { SkippedFile } from './collect-files.ts'
export type { FtsQueryOptions } from './fts-query.ts'
export {
  DEFAULT_MAX_QUERY_CHARS,
  DEFAULT_MAX_QUERY_TERMS,
  queryTerms,
  toFtsMatchExpression,
} from './fts-query.ts'
export type { IndexMode, IndexPathsRequest, IndexProgress, IndexSummary } from './index-paths.ts'
export type { EmbedFunction, RagStoreOptions, VectorBackend } from './rag-options.ts'
export {
  DEFAULT_CANDIDATE_MULTIPLIER,
  DEFAULT_CHUNK_OVERLAP_CHARS,
  DEFAULT_CHUNK_SIZE_CHARS,
  DEFAULT_EMBED_BATCH_SIZE,
  DEFAULT_MAX_FILE_SIZE_BYTES,
  DEFAULT_RRF_K,
  DEFAULT_SKIPPED_FOLDERS,
  DEFAULT_TOP_K,
  MAX_TOP_K,
} from './rag-options.ts'
export { ragOptionsOf } from './rag-skill-options.ts'
export type { RagStats, RagStore } from './rag-store.ts'
export { openRagStore } from './rag-store.ts'
export type { FusedItem } from './rank-fusion.ts'
export { fuseRankings } from './rank-fusion.ts'
export type { RagContextHit, RagHit, SearchRequest } from './search-chunks.ts'
export { toRagContextHits } from './search-chunks.ts'
export { ragSkillModule as skillModule } from './skill-module.ts'
