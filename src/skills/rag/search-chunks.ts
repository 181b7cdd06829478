import type Database from 'better-sqlite3'
import { HubError } from '../../contracts/index.ts'
import { embedTexts } from './embed-texts.ts'
import { DEFAULT_MAX_QUERY_CHARS, queryTerms, toFtsMatchExpression } from './fts-query.ts'
import type { RagContext } from './index-paths.ts'
import { DEFAULT_CANDIDATE_MULTIPLIER, DEFAULT_TOP_K, MAX_TOP_K } from './rag-options.ts'
import { fuseRankings } from './rank-fusion.ts'

export interface RagHit {
  sourceId: string
  title: string
  /** A short window of the chunk around the first query term (plain text). */
  snippet: string
  /** The whole chunk, for the prompt. */
  text: string
  /** Higher is better. BM25 only: -bm25 (unbounded); hybrid: the RRF score. Comparable within one answer only. */
  score: number
  location: { path: string; startLine: number; endLine: number }
}

export interface SearchRequest {
  query: string
  topK?: number
}

const SNIPPET_CHARS = 240
const MINIMUM_CANDIDATES = 30

interface ChunkRow {
  id: number
  body: string
  title: string
  source_key: string
  path: string
  start_line: number
  end_line: number
}

/**
 * Start of the snippet window holding the most query-term weight, where a term weighs more the
 * rarer it is in the chunk (a word on every line says little; the rare one is why the chunk matched).
 */
function bestWindowStart(lower: string, terms: string[]): number {
  const occurrences: { at: number; end: number; weight: number }[] = []
  for (const term of terms) {
    const found: number[] = []
    for (let at = lower.indexOf(term); at !== -1; at = lower.indexOf(term, at + term.length)) found.push(at)
    for (const at of found) occurrences.push({ at, end: at + term.length, weight: 1 / found.length })
  }
  let best = 0
  let bestWeight = 0
  for (const { at } of occurrences) {
    const from = Math.max(0, at - SNIPPET_CHARS / 3)
    let weight = 0
    for (const other of occurrences) {
      if (other.at >= from && other.end <= from + SNIPPET_CHARS - 2) weight += other.weight
    }
    if (weight > bestWeight + 1e-9) {
      best = from
      bestWeight = weight
    }
  }
  return best
}

function snippetOf(text: string, terms: string[]): string {
  if (text.length <= SNIPPET_CHARS) return text
  let from = bestWindowStart(text.toLowerCase(), terms)
  if (from > 0) {
    const space = text.slice(from, from + 40).search(/\s/)
    if (space !== -1) from += space + 1
  }
  let to = Math.min(text.length, from + SNIPPET_CHARS)
  const lastSpace = text.lastIndexOf(' ', to)
  if (to < text.length && lastSpace > from + SNIPPET_CHARS / 2) to = lastSpace
  return (from > 0 ? '…' : '') + text.slice(from, to).trim() + (to < text.length ? '…' : '')
}

interface SearchStatements {
  lexical: Statement
  load: Statement
  anyChunk: Statement
  /** Runs its function in one read transaction (see `readHits`). */
  inReadTransaction: <T>(read: () => T) => T
}

type Statement = Database.Statement<unknown[], unknown>

// Prepared once per open index rather than on every search, which is on each chat turn's way to
// the model (decision 1757). Keyed by the database, so a closed index's statements go with it.
const statementsByDatabase = new WeakMap<RagContext['database'], SearchStatements>()

function statementsOf(database: RagContext['database']): SearchStatements {
  let statements = statementsByDatabase.get(database)
  if (statements === undefined) {
    statements = {
      // Title matches weigh double: a heading naming the topic is strong evidence.
      lexical: database.prepare(
        'SELECT rowid AS id, bm25(chunk_text, 1.0, 2.0) AS rank FROM chunk_text WHERE chunk_text MATCH ? ORDER BY rank LIMIT ?',
      ),
      // One page read: an empty index answers every search with nothing (decision 1786).
      anyChunk: database.prepare('SELECT EXISTS (SELECT 1 FROM chunks)').pluck(),
      load: database.prepare(
        `SELECT c.id, t.body, t.title, s.source_key, s.path, c.start_line, c.end_line
         FROM chunks c JOIN chunk_text t ON t.rowid = c.id JOIN sources s ON s.id = c.source_id WHERE c.id = ?`,
      ),
      inReadTransaction: readTransaction(database),
    }
    statementsByDatabase.set(database, statements)
  }
  return statements
}

/**
 * One read transaction around several statements (decision 2096): in WAL mode a statement run on
 * its own takes and drops SQLite's read lock on the -shm file (two fcntl calls), and a search with
 * hits runs one per chunk it loads.
 */
function readTransaction(database: RagContext['database']): <T>(read: () => T) => T {
  const run = database.transaction((read: () => unknown) => read())
  return <T>(read: () => T) => run(read) as T
}

export async function searchChunks(context: RagContext, request: SearchRequest): Promise<RagHit[]> {
  const { database, config, vectors } = context
  if (typeof request?.query !== 'string') {
    throw new HubError('E_BAD_REQUEST', 'search needs a query string')
  }
  const topK = request.topK ?? DEFAULT_TOP_K
  if (!Number.isInteger(topK) || topK < 1 || topK > MAX_TOP_K) {
    throw new HubError('E_BAD_REQUEST', `topK must be an integer from 1 to ${MAX_TOP_K}, got ${String(topK)}`)
  }
  const statements = statementsOf(database)
  // Without chunks nothing can be found, and without a model nothing is asked: skip the full-text
  // query (its setup is most of a search of an empty index, on every chat turn's way to the model).
  // Checked on each search, so chunks another process indexed are seen at once.
  if (config.embed === undefined && statements.anyChunk.get() === 0) return []
  const candidates = Math.max(MINIMUM_CANDIDATES, topK * DEFAULT_CANDIDATE_MULTIPLIER)
  const expression = toFtsMatchExpression(request.query)
  const lexical =
    expression === undefined
      ? []
      : (statements.lexical.all(expression, candidates) as { id: number; rank: number }[])

  let semantic: number[] | undefined
  // The index's dimensions are read only when there is a model to embed the query with.
  const dimensions = config.embed === undefined ? undefined : vectors.dimensions()
  if (config.embed !== undefined && dimensions !== undefined && request.query.trim() !== '') {
    const [vector] = await embedTexts(config.embed, [request.query.slice(0, DEFAULT_MAX_QUERY_CHARS)], 1)
    if (vector!.length !== dimensions) {
      throw new HubError(
        'E_VALIDATION',
        `query embedding has ${vector!.length} dimensions but the index holds ${dimensions}; re-index with the current model`,
        { details: { expected: dimensions, got: vector!.length } },
      )
    }
    semantic = vectors.nearest(vector!, candidates).map((neighbour) => neighbour.id)
  }

  let ranked: { id: number; score: number }[]
  if (semantic === undefined) {
    ranked = lexical.slice(0, topK).map((row) => ({ id: row.id, score: -row.rank }))
  } else {
    ranked = fuseRankings([lexical.map((row) => row.id), semantic], config.rrfK)
      .slice(0, topK)
      .map((item) => ({ id: item.key, score: item.score }))
  }
  if (ranked.length === 0) return []

  const load = statements.load
  const terms = queryTerms(request.query)
  const loadAll = () => ranked.map(({ id }) => load.get(id) as ChunkRow | undefined)
  // A single load takes the lock once either way; BEGIN and COMMIT would only add to it.
  const rows = ranked.length > 1 ? statements.inReadTransaction(loadAll) : loadAll()
  const hits: RagHit[] = []
  for (const [index, { score }] of ranked.entries()) {
    const row = rows[index]
    if (row === undefined) continue
    hits.push({
      sourceId: row.source_key,
      title: row.title,
      snippet: snippetOf(row.body, terms),
      text: row.body,
      score,
      location: { path: row.path, startLine: row.start_line, endLine: row.end_line },
    })
  }
  return hits
}

/** A hit as the catalog's rag.context payload item (seed 000 names the location `loc`; no chunk text). */
export interface RagContextHit {
  sourceId: string
  title: string
  snippet: string
  score: number
  loc: { path: string; startLine: number; endLine: number }
}

export function toRagContextHits(hits: readonly RagHit[]): RagContextHit[] {
  return hits.map((hit) => ({
    sourceId: hit.sourceId,
    title: hit.title,
    snippet: hit.snippet,
    score: hit.score,
    loc: { ...hit.location },
  }))
}
