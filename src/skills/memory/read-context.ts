import { fuseRankings, toFtsMatchExpression } from '../rag/index.ts'
import type { FactKind } from './extract-facts.ts'
import type { SqliteDatabase } from './memory-database.ts'
import {
  DEFAULT_CONTEXT_LIMIT,
  DEFAULT_CONTEXT_MAX_CHARS,
  DEFAULT_RECENT_EPISODES,
} from './memory-options.ts'
import { checkLimit, checkSessionId, invalid } from './memory-records.ts'
import { scrubMemoryText } from './scrub-secrets.ts'

export interface ContextRequest {
  sessionId: string
  /** The user's message; empty means rank by recency only. */
  query?: string
  /** At most this many facts and this many summaries. */
  limit?: number
  maxChars?: number
}

export interface ContextFact {
  id: string
  kind: FactKind
  text: string
  ts: string
  score: number
}

export interface ContextSummary {
  id: string
  sessionId: string
  text: string
  ts: string
  score: number
}

/** The memory.context payload ({facts, summaries}) plus the characters used. */
export interface MemoryContext {
  facts: ContextFact[]
  summaries: ContextSummary[]
  chars: number
}

const MAX_CONTEXT_LIMIT = 100
const MAX_CONTEXT_CHARS = 100_000
const CANDIDATES = 50

/**
 * Ranks facts and episode summaries by fusing two rankings with reciprocal rank fusion: BM25 of
 * the query over the text, and recency (facts: newest first across sessions, since they describe
 * the one user; summaries: this session's latest turns). Then fills the character budget greedily
 * by fused score, skipping items that do not fit.
 */
export function readContext(
  database: SqliteDatabase,
  request: ContextRequest,
  cutoffMs: number,
): MemoryContext {
  const sessionId = checkSessionId(request?.sessionId)
  const limit = checkLimit(request.limit, DEFAULT_CONTEXT_LIMIT, MAX_CONTEXT_LIMIT, '/limit')
  const maxChars = checkLimit(request.maxChars, DEFAULT_CONTEXT_MAX_CHARS, MAX_CONTEXT_CHARS, '/maxChars')
  if (request.query !== undefined && typeof request.query !== 'string') {
    throw invalid('query must be text', [
      { path: '/query', expected: 'a string', got: typeof request.query, message: 'query must be text' },
    ])
  }
  const expression = toFtsMatchExpression(request.query ?? '')

  const factLexical =
    expression === undefined
      ? []
      : (database
          .prepare(
            `SELECT f.id FROM fact_text t JOIN facts f ON f.row = t.rowid
             WHERE fact_text MATCH ? AND f.ts >= ? ORDER BY bm25(fact_text) LIMIT ?`,
          )
          .pluck()
          .all(expression, cutoffMs, CANDIDATES) as string[])
  const factRecent = database
    .prepare('SELECT id FROM facts WHERE ts >= ? ORDER BY ts DESC, row DESC LIMIT ?')
    .pluck()
    .all(cutoffMs, CANDIDATES) as string[]
  const episodeLexical =
    expression === undefined
      ? []
      : (database
          .prepare(
            `SELECT e.id FROM episode_text t JOIN episodes e ON e.row = t.rowid
             WHERE episode_text MATCH ? AND e.ts >= ? ORDER BY bm25(episode_text, 2.0, 1.0, 0.5) LIMIT ?`,
          )
          .pluck()
          .all(expression, cutoffMs, CANDIDATES) as string[])
  const episodeRecent = database
    .prepare('SELECT id FROM episodes WHERE session_id = ? AND ts >= ? ORDER BY ts DESC, row DESC LIMIT ?')
    .pluck()
    .all(sessionId, cutoffMs, DEFAULT_RECENT_EPISODES) as string[]

  const loadFact = database.prepare('SELECT id, kind, text, ts FROM facts WHERE id = ?')
  const loadEpisode = database.prepare('SELECT id, session_id, summary, ts FROM episodes WHERE id = ?')
  // Ranked by fused score first (a stable sort: facts before summaries on a tie, each in fused
  // order); rows are read and scrubbed only for candidates that can still be taken, so a turn does
  // not load and scrub the ~60 candidates of which at most `limit` of each kind are used.
  type Candidate = { kind: 'fact' | 'summary'; key: string; score: number }
  const candidates: Candidate[] = [
    ...fuseRankings([factLexical, factRecent]).map(({ key, score }) => ({
      kind: 'fact' as const,
      key,
      score,
    })),
    ...fuseRankings([episodeLexical, episodeRecent]).map(({ key, score }) => ({
      kind: 'summary' as const,
      key,
      score,
    })),
  ]
  candidates.sort((a, b) => b.score - a.score)

  const context: MemoryContext = { facts: [], summaries: [], chars: 0 }
  for (const { kind, key, score } of candidates) {
    if (context.facts.length >= limit && context.summaries.length >= limit) break
    if (kind === 'fact') {
      if (context.facts.length >= limit) continue
      const row = loadFact.get(key) as { id: string; kind: FactKind; text: string; ts: number }
      // Scrubbed when read as well, so a store written before scrubbing never reaches a prompt.
      const text = scrubMemoryText(row.text).text
      if (context.chars + text.length > maxChars) continue
      context.facts.push({ id: row.id, kind: row.kind, text, ts: new Date(row.ts).toISOString(), score })
      context.chars += text.length
    } else {
      if (context.summaries.length >= limit) continue
      const row = loadEpisode.get(key) as { id: string; session_id: string; summary: string; ts: number }
      const text = scrubMemoryText(row.summary).text
      if (context.chars + text.length > maxChars) continue
      context.summaries.push({
        id: row.id,
        sessionId: row.session_id,
        text,
        ts: new Date(row.ts).toISOString(),
        score,
      })
      context.chars += text.length
    }
  }
  return context
}

/** The catalog's memory.context payload: exactly {facts, summaries}. */
export function toMemoryContextPayload(context: MemoryContext): {
  facts: ContextFact[]
  summaries: ContextSummary[]
} {
  return { facts: context.facts, summaries: context.summaries }
}
