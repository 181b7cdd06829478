import type Database from 'better-sqlite3'
import { fuseRankings, toFtsMatchExpression } from '../rag/index.ts'
import type { FactKind } from './extract-facts.ts'
import type { SqliteDatabase } from './memory-database.ts'
import {
  DEFAULT_CONTEXT_LIMIT,
  DEFAULT_CONTEXT_MAX_CHARS,
  DEFAULT_LEXICAL_WINDOW,
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

/** The statements of one context read, prepared once per database instead of once per read. */
export interface ContextStatements {
  factLexical: Statement
  factRecent: Statement
  episodeLexical: Statement
  episodeRecent: Statement
  loadFact: Statement
  loadEpisode: Statement
}

type Statement = Database.Statement<unknown[], unknown>

/**
 * Prepares the reads of `readContext`. The lexical queries take the newest `window` matches
 * (FTS5 walks its doclist by rowid, newest first, and stops there: no sort of every match), then
 * order those by BM25; ties keep the older row first, as the full sort of every match did.
 */
export function prepareContextStatements(database: SqliteDatabase): ContextStatements {
  return {
    factLexical: database
      .prepare(
        `SELECT f.id FROM (
           SELECT rowid AS row, bm25(fact_text) AS score FROM fact_text
           WHERE fact_text MATCH ? ORDER BY rowid DESC LIMIT ?
         ) t JOIN facts f ON f.row = t.row
         WHERE f.ts >= ? ORDER BY t.score, t.row LIMIT ?`,
      )
      .pluck(),
    factRecent: database
      .prepare('SELECT id FROM facts WHERE ts >= ? ORDER BY ts DESC, row DESC LIMIT ?')
      .pluck(),
    episodeLexical: database
      .prepare(
        `SELECT e.id FROM (
           SELECT rowid AS row, bm25(episode_text, 2.0, 1.0, 0.5) AS score FROM episode_text
           WHERE episode_text MATCH ? ORDER BY rowid DESC LIMIT ?
         ) t JOIN episodes e ON e.row = t.row
         WHERE e.ts >= ? ORDER BY t.score, t.row LIMIT ?`,
      )
      .pluck(),
    episodeRecent: database
      .prepare('SELECT id FROM episodes WHERE session_id = ? AND ts >= ? ORDER BY ts DESC, row DESC LIMIT ?')
      .pluck(),
    loadFact: database.prepare('SELECT id, kind, text, ts FROM facts WHERE id = ?'),
    loadEpisode: database.prepare('SELECT id, session_id, summary, ts FROM episodes WHERE id = ?'),
  }
}

/**
 * Ranks facts and episode summaries by fusing two rankings with reciprocal rank fusion: BM25 of
 * the query over the text (among the newest `window` matches), and recency (facts: newest first
 * across sessions, since they describe the one user; summaries: this session's latest turns).
 * Then fills the character budget greedily by fused score, skipping items that do not fit.
 */
export function readContext(
  statements: ContextStatements,
  request: ContextRequest,
  cutoffMs: number,
  window: number = DEFAULT_LEXICAL_WINDOW,
  scrub: (text: string) => string = (text) => scrubMemoryText(text).text,
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
      : (statements.factLexical.all(expression, window, cutoffMs, CANDIDATES) as string[])
  const factRecent = statements.factRecent.all(cutoffMs, CANDIDATES) as string[]
  const episodeLexical =
    expression === undefined
      ? []
      : (statements.episodeLexical.all(expression, window, cutoffMs, CANDIDATES) as string[])
  const episodeRecent = statements.episodeRecent.all(sessionId, cutoffMs, DEFAULT_RECENT_EPISODES) as string[]

  const { loadFact, loadEpisode } = statements
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
      const text = scrub(row.text)
      if (context.chars + text.length > maxChars) continue
      context.facts.push({ id: row.id, kind: row.kind, text, ts: new Date(row.ts).toISOString(), score })
      context.chars += text.length
    } else {
      if (context.summaries.length >= limit) continue
      const row = loadEpisode.get(key) as { id: string; session_id: string; summary: string; ts: number }
      const text = scrub(row.summary)
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
