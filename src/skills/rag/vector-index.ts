import { load as loadSqliteVec } from 'sqlite-vec'
import { HubError } from '../../contracts/index.ts'
import { readMeta, type SqliteDatabase, writeMeta } from './rag-database.ts'
import type { VectorBackend } from './rag-options.ts'

export interface Neighbour {
  id: number
  /** Cosine distance, 0 (same direction) to 2 (opposite). */
  distance: number
}

/** Chunk vectors keyed by chunk id. Writes run inside the caller's transaction. */
export interface VectorIndex {
  readonly backend: 'sqlite-vec' | 'blob'
  dimensions(): number | undefined
  upsert(id: number, vector: Float32Array): void
  remove(id: number): void
  nearest(vector: Float32Array, k: number): Neighbour[]
  /** Drops every vector and forgets the dimension (a full re-index, or a new embedding model). */
  clear(): void
}

// vec0 refuses k above 4096 per query.
const SQLITE_VEC_MAX_K = 4096

function asBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength)
}

function sqliteVecIndex(database: SqliteDatabase): VectorIndex {
  const hasTable = (): boolean =>
    database.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'chunk_vectors'").get() !== undefined
  const dimensions = (): number | undefined => {
    const value = readMeta(database, 'vector_dimensions')
    return value === undefined ? undefined : Number(value)
  }
  return {
    backend: 'sqlite-vec',
    dimensions,
    upsert(id, vector) {
      if (!hasTable()) {
        database.exec(
          `CREATE VIRTUAL TABLE chunk_vectors USING vec0(embedding float[${vector.length}] distance_metric=cosine)`,
        )
        writeMeta(database, 'vector_dimensions', String(vector.length))
      }
      database.prepare('DELETE FROM chunk_vectors WHERE rowid = ?').run(BigInt(id))
      database
        .prepare('INSERT INTO chunk_vectors (rowid, embedding) VALUES (?, ?)')
        .run(BigInt(id), asBlob(vector))
    },
    remove(id) {
      if (hasTable()) database.prepare('DELETE FROM chunk_vectors WHERE rowid = ?').run(BigInt(id))
    },
    nearest(vector, k) {
      if (!hasTable()) return []
      const rows = database
        .prepare(
          'SELECT rowid AS id, distance FROM chunk_vectors WHERE embedding MATCH ? AND k = ? ORDER BY distance',
        )
        .all(asBlob(vector), Math.min(k, SQLITE_VEC_MAX_K)) as { id: number | bigint; distance: number }[]
      return rows.map((row) => ({ id: Number(row.id), distance: row.distance }))
    },
    clear() {
      database.exec('DROP TABLE IF EXISTS chunk_vectors')
      database.prepare("DELETE FROM meta WHERE key = 'vector_dimensions'").run()
    },
  }
}

function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0
  let normA = 0
  let normB = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!
    normA += a[i]! * a[i]!
    normB += b[i]! * b[i]!
  }
  if (normA === 0 || normB === 0) return 1
  return 1 - dot / Math.sqrt(normA * normB)
}

/** The portable fallback: float32 BLOBs in a plain table, nearest neighbours by a full scan in JS. */
function blobIndex(database: SqliteDatabase): VectorIndex {
  database.exec(
    'CREATE TABLE IF NOT EXISTS chunk_vectors_blob (id INTEGER PRIMARY KEY, embedding BLOB NOT NULL)',
  )
  const dimensions = (): number | undefined => {
    const value = readMeta(database, 'vector_dimensions')
    return value === undefined ? undefined : Number(value)
  }
  return {
    backend: 'blob',
    dimensions,
    upsert(id, vector) {
      if (dimensions() === undefined) writeMeta(database, 'vector_dimensions', String(vector.length))
      database
        .prepare('INSERT OR REPLACE INTO chunk_vectors_blob (id, embedding) VALUES (?, ?)')
        .run(id, asBlob(vector))
    },
    remove(id) {
      database.prepare('DELETE FROM chunk_vectors_blob WHERE id = ?').run(id)
    },
    nearest(vector, k) {
      const scored: Neighbour[] = []
      for (const row of database
        .prepare('SELECT id, embedding FROM chunk_vectors_blob')
        .iterate() as Iterable<{
        id: number
        embedding: Buffer
      }>) {
        const stored = new Float32Array(
          row.embedding.buffer.slice(
            row.embedding.byteOffset,
            row.embedding.byteOffset + row.embedding.byteLength,
          ),
        )
        if (stored.length === vector.length)
          scored.push({ id: row.id, distance: cosineDistance(vector, stored) })
      }
      return scored.sort((a, b) => a.distance - b.distance || a.id - b.id).slice(0, k)
    },
    clear() {
      database.exec('DELETE FROM chunk_vectors_blob')
      database.prepare("DELETE FROM meta WHERE key = 'vector_dimensions'").run()
    },
  }
}

function tryLoadSqliteVec(database: SqliteDatabase): Error | undefined {
  try {
    loadSqliteVec(database)
    return undefined
  } catch (error) {
    return error as Error
  }
}

/**
 * Picks the vector backend. A file keeps the backend it was created with (recorded in meta), so
 * a store made with sqlite-vec is never silently read as if it had no vectors.
 */
export function openVectorIndex(database: SqliteDatabase, wanted: VectorBackend, path: string): VectorIndex {
  const recorded = readMeta(database, 'vector_backend') as 'sqlite-vec' | 'blob' | undefined
  const choice = recorded ?? wanted
  if (choice === 'blob') {
    if (recorded === undefined) writeMeta(database, 'vector_backend', 'blob')
    return blobIndex(database)
  }
  const failure = tryLoadSqliteVec(database)
  if (failure === undefined) {
    if (recorded === undefined) writeMeta(database, 'vector_backend', 'sqlite-vec')
    return sqliteVecIndex(database)
  }
  if (choice === 'auto') {
    writeMeta(database, 'vector_backend', 'blob')
    return blobIndex(database)
  }
  throw new HubError(
    'E_DEPENDENCY_UNAVAILABLE',
    `RAG index ${path} needs the sqlite-vec extension: ${failure.message}`,
    {
      details: { path, reason: failure.message },
      cause: failure,
    },
  )
}
