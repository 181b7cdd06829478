import { HubError } from '../../contracts/index.ts'
import { type IndexPathsRequest, type IndexSummary, indexPaths, type RagContext } from './index-paths.ts'
import { applyRagSchema, openSqliteFile } from './rag-database.ts'
import { type RagStoreOptions, resolveRagConfig } from './rag-options.ts'
import { type RagHit, type SearchRequest, searchChunks } from './search-chunks.ts'
import { openVectorIndex } from './vector-index.ts'

export interface RagStats {
  sources: number
  chunks: number
  vectorBackend: 'sqlite-vec' | 'blob'
  vectorDimensions: number | undefined
  hybrid: boolean
}

export interface RagStore {
  indexPaths(request: IndexPathsRequest): Promise<IndexSummary>
  search(request: SearchRequest): Promise<RagHit[]>
  stats(): RagStats
  close(): void
}

/**
 * Opens the document index (`<data>/rag.sqlite`): chunk text in an FTS5 table ranked by BM25, and
 * — when `embed` is given — chunk vectors (sqlite-vec, or float32 BLOBs as a fallback) fused with
 * BM25 by reciprocal rank fusion.
 */
export function openRagStore(options: RagStoreOptions): RagStore {
  const config = resolveRagConfig(options)
  const database = openSqliteFile(config.path, 'RAG index')
  let context: RagContext
  try {
    applyRagSchema(database, config.path)
    context = { database, config, vectors: openVectorIndex(database, config.vectorBackend, config.path) }
  } catch (error) {
    database.close()
    throw error
  }
  let closed = false
  // One indexing run at a time: runs interleaving their awaits could both insert the same path.
  let queue: Promise<unknown> = Promise.resolve()
  const ensureOpen = (): void => {
    if (closed) throw new HubError('E_BAD_REQUEST', `RAG index ${config.path} is closed`)
  }

  return {
    indexPaths(request) {
      ensureOpen()
      const run = queue.then(() => {
        ensureOpen()
        return indexPaths(context, request)
      })
      queue = run.catch(() => undefined)
      return run
    },
    async search(request) {
      ensureOpen()
      return searchChunks(context, request)
    },
    stats() {
      ensureOpen()
      const count = (sql: string): number => database.prepare(sql).pluck().get() as number
      return {
        sources: count('SELECT count(*) FROM sources'),
        chunks: count('SELECT count(*) FROM chunks'),
        vectorBackend: context.vectors.backend,
        vectorDimensions: context.vectors.dimensions(),
        hybrid: config.embed !== undefined,
      }
    },
    close() {
      if (closed) return
      closed = true
      database.close()
    },
  }
}
