import { HubError, type ValidationIssue } from '../../contracts/index.ts'

/** Seed 000: RAG chunks of 800 characters overlapping by 120. */
export const DEFAULT_CHUNK_SIZE_CHARS = 800
export const DEFAULT_CHUNK_OVERLAP_CHARS = 120
/** Seed 000: topK 6. */
export const DEFAULT_TOP_K = 6
export const MAX_TOP_K = 100
/** Files above this size are skipped (logs, dumps and data files rarely help a chat answer). */
export const DEFAULT_MAX_FILE_SIZE_BYTES = 2 * 1024 * 1024
/** Reciprocal rank fusion constant (Cormack et al. use 60; it damps the weight of the very top ranks). */
export const DEFAULT_RRF_K = 60
/** How many candidates each ranker contributes before fusion, as a multiple of topK (at least 30). */
export const DEFAULT_CANDIDATE_MULTIPLIER = 5
export const DEFAULT_EMBED_BATCH_SIZE = 32
/** Folder names never descended into. */
export const DEFAULT_SKIPPED_FOLDERS: readonly string[] = Object.freeze([
  '.git',
  'node_modules',
  '.hg',
  '.svn',
  '.venv',
  '__pycache__',
])

/** Turns texts into vectors (the kernel passes an Ollama /api/embed client). One vector per text, same order. */
export type EmbedFunction = (texts: string[]) => Promise<number[][]>

/** 'auto' uses sqlite-vec when its extension loads, else float32 BLOBs with a JS cosine scan. */
export type VectorBackend = 'auto' | 'sqlite-vec' | 'blob'

export interface RagStoreOptions {
  /** The SQLite file, normally `<data>/rag.sqlite`. ':memory:' works for tests. */
  path: string
  embed?: EmbedFunction
  vectorBackend?: VectorBackend
  chunkSizeChars?: number
  chunkOverlapChars?: number
  maxFileSizeBytes?: number
  rrfK?: number
  embedBatchSize?: number
  skippedFolders?: readonly string[]
}

export interface RagConfig {
  readonly path: string
  readonly embed: EmbedFunction | undefined
  readonly vectorBackend: VectorBackend
  readonly chunkSizeChars: number
  readonly chunkOverlapChars: number
  readonly maxFileSizeBytes: number
  readonly rrfK: number
  readonly embedBatchSize: number
  readonly skippedFolders: readonly string[]
}

function positiveInteger(issues: ValidationIssue[], name: string, value: unknown, minimum = 1): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    issues.push({
      path: `/${name}`,
      expected: `an integer >= ${minimum}`,
      got: String(value),
      message: `${name} must be an integer of at least ${minimum}`,
    })
  }
}

export function resolveRagConfig(options: RagStoreOptions): RagConfig {
  const config = {
    embed: undefined,
    vectorBackend: 'auto' as VectorBackend,
    chunkSizeChars: DEFAULT_CHUNK_SIZE_CHARS,
    chunkOverlapChars: DEFAULT_CHUNK_OVERLAP_CHARS,
    maxFileSizeBytes: DEFAULT_MAX_FILE_SIZE_BYTES,
    rrfK: DEFAULT_RRF_K,
    embedBatchSize: DEFAULT_EMBED_BATCH_SIZE,
    skippedFolders: DEFAULT_SKIPPED_FOLDERS,
    ...options,
  }
  const issues: ValidationIssue[] = []
  if (typeof config.path !== 'string' || config.path.length === 0) {
    issues.push({
      path: '/path',
      expected: 'a file path',
      got: String(config.path),
      message: 'path is required',
    })
  }
  if (config.embed !== undefined && typeof config.embed !== 'function') {
    issues.push({
      path: '/embed',
      expected: 'a function',
      got: typeof config.embed,
      message: 'embed must be a function',
    })
  }
  if (!['auto', 'sqlite-vec', 'blob'].includes(config.vectorBackend)) {
    issues.push({
      path: '/vectorBackend',
      expected: "'auto' | 'sqlite-vec' | 'blob'",
      got: String(config.vectorBackend),
      message: 'unknown vector backend',
    })
  }
  positiveInteger(issues, 'chunkSizeChars', config.chunkSizeChars, 20)
  positiveInteger(issues, 'chunkOverlapChars', config.chunkOverlapChars, 0)
  if (config.chunkOverlapChars >= config.chunkSizeChars / 2) {
    issues.push({
      path: '/chunkOverlapChars',
      expected: `less than half of chunkSizeChars (${config.chunkSizeChars})`,
      got: String(config.chunkOverlapChars),
      message: 'the overlap must be well below the chunk size or chunking cannot advance',
    })
  }
  positiveInteger(issues, 'maxFileSizeBytes', config.maxFileSizeBytes)
  positiveInteger(issues, 'rrfK', config.rrfK)
  positiveInteger(issues, 'embedBatchSize', config.embedBatchSize)
  if (issues.length > 0) {
    throw new HubError(
      'E_VALIDATION',
      `invalid RAG store options: ${issues.map((i) => i.message).join('; ')}`,
      {
        details: { issues },
      },
    )
  }
  return Object.freeze({ ...config, skippedFolders: Object.freeze([...config.skippedFolders]) })
}
