import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { sep } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { chunkText } from './chunk-text.ts'
import { collectFiles, type SkippedFile } from './collect-files.ts'
import { embedTexts } from './embed-texts.ts'
import type { SqliteDatabase } from './rag-database.ts'
import type { RagConfig } from './rag-options.ts'
import { readDocument } from './read-document.ts'
import type { VectorIndex } from './vector-index.ts'

export type IndexMode = 'incremental' | 'full'

/** Reported once per examined file; the kernel maps it onto index.progress events. */
export interface IndexProgress {
  file: string
  done: number
  total: number
  /** Chunks the file has in the index after this step (0 when skipped). */
  chunks: number
  status: 'indexed' | 'unchanged' | 'skipped'
}

export interface IndexPathsRequest {
  paths: string[]
  mode?: IndexMode
  onProgress?: (progress: IndexProgress) => void
  signal?: AbortSignal
  /** Base for relative paths (default process.cwd()). */
  cwd?: string
}

export interface IndexSummary {
  mode: IndexMode
  /** Files examined (after size filtering). */
  files: number
  indexed: number
  unchanged: number
  removed: number
  skipped: SkippedFile[]
  /** Chunks written in this run. */
  chunksWritten: number
  durationMs: number
}

export interface RagContext {
  database: SqliteDatabase
  config: RagConfig
  vectors: VectorIndex
}

interface SourceRow {
  id: number
  path: string
  sha256: string
  chunking: string
  chunk_count: number
  embedded: number
}

export function sourceKeyOf(path: string): string {
  return 'src_' + createHash('sha256').update(path).digest('hex').slice(0, 16)
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)
}

export function removeSource(context: RagContext, sourceId: number): void {
  const { database, vectors } = context
  const ids = database.prepare('SELECT id FROM chunks WHERE source_id = ?').pluck().all(sourceId) as number[]
  const deleteText = database.prepare('DELETE FROM chunk_text WHERE rowid = ?')
  for (const id of ids) {
    deleteText.run(id)
    vectors.remove(id)
  }
  database.prepare('DELETE FROM sources WHERE id = ?').run(sourceId) // chunks cascade
}

/** The vectors on file came from another model (other dimension): drop them, re-embed lazily. */
function resetVectorsIfDimensionChanged(context: RagContext, dimensions: number): void {
  const stored = context.vectors.dimensions()
  if (stored !== undefined && stored !== dimensions) {
    context.vectors.clear()
    context.database.prepare('UPDATE sources SET embedded = 0').run()
  }
}

export async function indexPaths(context: RagContext, request: IndexPathsRequest): Promise<IndexSummary> {
  const started = performance.now()
  const { database, config, vectors } = context
  const mode = request.mode ?? 'incremental'
  if (
    !Array.isArray(request.paths) ||
    request.paths.some((path) => typeof path !== 'string' || path === '')
  ) {
    throw new HubError('E_BAD_REQUEST', 'indexPaths needs paths: a list of non-empty strings')
  }
  if (mode !== 'incremental' && mode !== 'full') {
    throw new HubError('E_BAD_REQUEST', `unknown index mode '${String(mode)}' (incremental | full)`)
  }
  const collected = await collectFiles(request.paths, {
    cwd: request.cwd ?? process.cwd(),
    skippedFolders: config.skippedFolders,
    maxFileSizeBytes: config.maxFileSizeBytes,
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  })
  const chunking = `${config.chunkSizeChars}/${config.chunkOverlapChars}`
  const summary: IndexSummary = {
    mode,
    files: collected.files.length,
    indexed: 0,
    unchanged: 0,
    removed: 0,
    skipped: [...collected.skipped],
    chunksWritten: 0,
    durationMs: 0,
  }
  const findSource = database.prepare(
    'SELECT id, path, sha256, chunking, chunk_count, embedded FROM sources WHERE path = ?',
  )
  const insertSource = database.prepare(
    `INSERT INTO sources (source_key, path, title, sha256, size_bytes, chunking, chunk_count, embedded, indexed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const insertChunk = database.prepare(
    'INSERT INTO chunks (source_id, ordinal, start_line, end_line) VALUES (?, ?, ?, ?)',
  )
  const insertText = database.prepare('INSERT INTO chunk_text (rowid, body, title) VALUES (?, ?, ?)')
  const wanted = new Set<string>()
  let done = 0

  const report = (file: string, chunks: number, status: IndexProgress['status']): void => {
    done++
    request.onProgress?.({ file, done, total: collected.files.length, chunks, status })
  }
  const dropExisting = (existing: SourceRow | undefined): void => {
    if (existing === undefined) return
    database.transaction(() => removeSource(context, existing.id))()
    summary.removed++
  }

  for (const file of collected.files) {
    request.signal?.throwIfAborted()
    const existing = findSource.get(file.path) as SourceRow | undefined
    let bytes: Buffer
    try {
      bytes = await readFile(file.path)
    } catch (error) {
      summary.skipped.push({ path: file.path, reason: `cannot read: ${(error as Error).message}` })
      dropExisting(existing)
      report(file.path, 0, 'skipped')
      continue
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const current =
      existing !== undefined &&
      existing.sha256 === sha256 &&
      existing.chunking === chunking &&
      (config.embed === undefined || existing.embedded === 1)
    if (mode === 'incremental' && current) {
      wanted.add(file.path)
      summary.unchanged++
      report(file.path, existing.chunk_count, 'unchanged')
      continue
    }
    const document = await readDocument(file.path, bytes)
    if (document.kind === 'skip') {
      summary.skipped.push({ path: file.path, reason: document.reason })
      dropExisting(existing)
      report(file.path, 0, 'skipped')
      continue
    }
    const chunks = chunkText(document.text, {
      sizeChars: config.chunkSizeChars,
      overlapChars: config.chunkOverlapChars,
    })
    const embeddings =
      config.embed === undefined
        ? undefined
        : await embedTexts(
            config.embed,
            chunks.map((chunk) => chunk.text),
            config.embedBatchSize,
          )
    database.transaction(() => {
      if (existing !== undefined) removeSource(context, existing.id)
      if (embeddings?.[0] !== undefined) resetVectorsIfDimensionChanged(context, embeddings[0].length)
      const sourceId = insertSource.run(
        sourceKeyOf(file.path),
        file.path,
        document.title,
        sha256,
        bytes.byteLength,
        chunking,
        chunks.length,
        embeddings === undefined ? 0 : 1,
        new Date().toISOString(),
      ).lastInsertRowid
      chunks.forEach((chunk, ordinal) => {
        const chunkId = Number(
          insertChunk.run(sourceId, ordinal, chunk.startLine, chunk.endLine).lastInsertRowid,
        )
        insertText.run(chunkId, chunk.text, document.title)
        const vector = embeddings?.[ordinal]
        if (vector !== undefined) vectors.upsert(chunkId, vector)
      })
    })()
    wanted.add(file.path)
    summary.indexed++
    summary.chunksWritten += chunks.length
    report(file.path, chunks.length, 'indexed')
  }

  // Sources under a given path that were not found again (deleted, now too large) leave the index.
  const known = database.prepare('SELECT id, path FROM sources').all() as { id: number; path: string }[]
  const gone = known.filter(
    (row) => !wanted.has(row.path) && collected.roots.some((root) => isUnder(row.path, root)),
  )
  database.transaction(() => {
    for (const row of gone) removeSource(context, row.id)
  })()
  summary.removed += gone.length
  summary.durationMs = performance.now() - started
  return summary
}
