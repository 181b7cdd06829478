import type Database from 'better-sqlite3'
import { matchExpressionOf, queryTerms } from '../rag/index.ts'
import type { LoadedEpisode } from './episode-rows.ts'
import type { FactKind } from './extract-facts.ts'
import { FACT, FusedCandidates, SUMMARY } from './fused-candidates.ts'
import type { SqliteDatabase } from './memory-database.ts'
import {
  DEFAULT_CONTEXT_LIMIT,
  DEFAULT_CONTEXT_MAX_CHARS,
  DEFAULT_LEXICAL_WINDOW,
  DEFAULT_RECENT_EPISODES,
} from './memory-options.ts'
import { checkLimit, checkSessionId, invalid } from './memory-records.ts'
import { scrubMemoryText } from './scrub-secrets.ts'
import type { TermSelection } from './term-counts.ts'

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
  factLexicalAll: Statement
  factRecent: Statement
  episodeLexical: Statement
  episodeLexicalAll: Statement
  factNewest: Statement
  factNewestAll: Statement
  episodeNewest: Statement
  episodeNewestAll: Statement
  episodeRecent: Statement
  loadFact: Statement
  loadEpisode: Statement
  anyFact: Statement
}

type Statement = Database.Statement<unknown[], unknown>

/** The newest `window` full-text matches of `table`, ordered by BM25 (`rank`), as row numbers. */
function lexicalRows(table: string, rank: string, kept: string): string {
  const newest = `SELECT rowid AS row, ${rank} AS score FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT ?`
  return kept === ''
    ? `SELECT row FROM (${newest}) ORDER BY score, row LIMIT ?`
    : `SELECT t.row FROM (${newest}) t JOIN ${kept} k ON k.row = t.row WHERE k.ts >= ? ORDER BY t.score, t.row LIMIT ?`
}

/** The newest `?` rows matching, newest first, at most `?` of them: no ranking (decision 2101). */
function newestRows(table: string, kept: string): string {
  const newest = `SELECT rowid AS row FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT ?`
  return kept === ''
    ? `SELECT row FROM (${newest}) LIMIT ?`
    : `SELECT t.row FROM (${newest}) t JOIN ${kept} k ON k.row = t.row WHERE k.ts >= ? ORDER BY t.row DESC LIMIT ?`
}

/**
 * Prepares the reads of `readContext`. The lexical queries take the newest `window` matches
 * (FTS5 walks its doclist by rowid, newest first, and stops there: no sort of every match), then
 * order those by BM25; ties keep the older row first, as the full sort of every match did. Every
 * ranking names rows by their row number, and only the rows taken are loaded (decision 1789):
 * without a retention cutoff the lexical queries need no join with the rows they rank (each
 * full-text row is written and deleted with its row, in one transaction).
 */
export function prepareContextStatements(database: SqliteDatabase): ContextStatements {
  const rows = (sql: string) => database.prepare(sql).pluck()
  return {
    factLexical: rows(lexicalRows('fact_text', 'bm25(fact_text)', 'facts')),
    factLexicalAll: rows(lexicalRows('fact_text', 'bm25(fact_text)', '')),
    factRecent: rows('SELECT row FROM facts WHERE ts >= ? ORDER BY ts DESC, row DESC LIMIT ?'),
    episodeLexical: rows(lexicalRows('episode_text', 'bm25(episode_text, 2.0, 1.0, 0.5)', 'episodes')),
    episodeLexicalAll: rows(lexicalRows('episode_text', 'bm25(episode_text, 2.0, 1.0, 0.5)', '')),
    factNewest: rows(newestRows('fact_text', 'facts')),
    factNewestAll: rows(newestRows('fact_text', '')),
    episodeNewest: rows(newestRows('episode_text', 'episodes')),
    episodeNewestAll: rows(newestRows('episode_text', '')),
    episodeRecent: rows(
      'SELECT row FROM episodes WHERE session_id = ? AND ts >= ? ORDER BY ts DESC, row DESC LIMIT ?',
    ),
    loadFact: database.prepare('SELECT id, kind, text, ts FROM facts WHERE row = ?'),
    anyFact: rows('SELECT EXISTS (SELECT 1 FROM facts)'),
    loadEpisode: database.prepare('SELECT id, session_id, summary, ts FROM episodes WHERE row = ?'),
  }
}

/** Which query terms a context read matches against facts and episodes (a store's TermCounts). */
export interface TermSelectors {
  facts(terms: readonly string[], window: number): TermSelection
  episodes(terms: readonly string[], window: number): TermSelection
}

/** Where a context read takes its episodes from: a store's remembered rows (episode-rows.ts). */
export interface EpisodeSource {
  get(row: number, load: (row: number) => LoadedEpisode | undefined): LoadedEpisode | undefined
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
  episodes?: EpisodeSource,
  /** The query terms worth matching against episodes (a store's TermCounts; decision 2101). */
  selectTerms?: TermSelectors,
): MemoryContext {
  const sessionId = checkSessionId(request?.sessionId)
  const limit = checkLimit(request.limit, DEFAULT_CONTEXT_LIMIT, MAX_CONTEXT_LIMIT, '/limit')
  const maxChars = checkLimit(request.maxChars, DEFAULT_CONTEXT_MAX_CHARS, MAX_CONTEXT_CHARS, '/maxChars')
  if (request.query !== undefined && typeof request.query !== 'string') {
    throw invalid('query must be text', [
      { path: '/query', expected: 'a string', got: typeof request.query, message: 'query must be text' },
    ])
  }
  const terms = queryTerms(request.query ?? '')
  const expression = matchExpressionOf(terms)

  // A store without facts (most turns state none) skips both fact queries for one page read
  // (decision 1786); asked on every read, so facts another connection wrote are seen at once.
  const anyFact = statements.anyFact.get() !== 0
  // Without a cutoff every row is kept: the lexical rankings skip the join that filtered them.
  const lexical = (match: string, newest: number, filtered: Statement, all: Statement): number[] =>
    (cutoffMs === Number.NEGATIVE_INFINITY
      ? all.all(match, newest, CANDIDATES)
      : filtered.all(match, newest, cutoffMs, CANDIDATES)) as number[]
  /**
   * BM25 over the newest `window` matches of the terms kept (all, without a selection). When those
   * may be more than the window holds, every match of the rare terms is ranked first (decision 2101).
   */
  const ranked = (
    selection: TermSelection | undefined,
    [filtered, all, newestFiltered, newestAll]: readonly [Statement, Statement, Statement, Statement],
  ): number[] => {
    if (selection?.fallback !== undefined) {
      // Every word is one most rows hold, so BM25 weighs them all ~0: the newest rows holding
      // the least common one, newest first (decision 2101).
      const newest = Math.min(window, CANDIDATES)
      return lexical(matchExpressionOf([selection.fallback])!, newest, newestFiltered, newestAll)
    }
    const match = selection === undefined ? expression : matchExpressionOf(selection.terms)
    if (match === undefined) return []
    if (selection === undefined || !selection.crowded || selection.rare.length === 0)
      return lexical(match, window, filtered, all)
    // Each rare term has at most `window` matches: this reads all of them. When every kept term is
    // rare, that is every match, and nothing more is needed.
    const first = lexical(matchExpressionOf(selection.rare)!, selection.rare.length * window, filtered, all)
    if (selection.rare.length === selection.terms.length) return first
    const taken = new Set(first)
    for (const row of lexical(match, window, filtered, all))
      if (first.length < CANDIDATES && !taken.has(row)) first.push(row)
    return first
  }
  const factLexical =
    expression === undefined || !anyFact
      ? []
      : ranked(selectTerms?.facts(terms, window), [
          statements.factLexical,
          statements.factLexicalAll,
          statements.factNewest,
          statements.factNewestAll,
        ])
  const factRecent = anyFact ? (statements.factRecent.all(cutoffMs, CANDIDATES) as number[]) : []
  const episodeLexical =
    expression === undefined
      ? []
      : ranked(selectTerms?.episodes(terms, window), [
          statements.episodeLexical,
          statements.episodeLexicalAll,
          statements.episodeNewest,
          statements.episodeNewestAll,
        ])
  const episodeRecent = statements.episodeRecent.all(sessionId, cutoffMs, DEFAULT_RECENT_EPISODES) as number[]

  const { loadFact, loadEpisode } = statements
  const loadRow = (row: number): LoadedEpisode | undefined => {
    const found = loadEpisode.get(row) as
      | { id: string; session_id: string; summary: string; ts: number }
      | undefined
    return found === undefined
      ? undefined
      : {
          id: found.id,
          sessionId: found.session_id,
          text: scrub(found.summary),
          ts: new Date(found.ts).toISOString(),
        }
  }
  // Ranked by fused score first (facts before summaries on a tie, each kind in its fused order);
  // rows are read and scrubbed only for candidates that can still be taken, so a turn does not
  // load and scrub the ~60 candidates of which at most `limit` of each kind are used.
  const candidates = new FusedCandidates<number>()
  candidates.add(FACT, factLexical, factRecent)
  candidates.add(SUMMARY, episodeLexical, episodeRecent)
  const order = candidates.order()

  const context: MemoryContext = { facts: [], summaries: [], chars: 0 }
  for (const index of order) {
    if (context.facts.length >= limit && context.summaries.length >= limit) break
    const key = candidates.keys[index]!
    const score = candidates.scores[index]!
    if (candidates.kinds[index] === FACT) {
      if (context.facts.length >= limit) continue
      const row = loadFact.get(key) as { id: string; kind: FactKind; text: string; ts: number } | undefined
      if (row === undefined) continue
      // Scrubbed when read as well, so a store written before scrubbing never reaches a prompt.
      const text = scrub(row.text)
      if (context.chars + text.length > maxChars) continue
      context.facts.push({ id: row.id, kind: row.kind, text, ts: new Date(row.ts).toISOString(), score })
      context.chars += text.length
    } else {
      if (context.summaries.length >= limit) continue
      const episode = episodes === undefined ? loadRow(key) : episodes.get(key, loadRow)
      if (episode === undefined) continue
      const text = episode.text
      if (context.chars + text.length > maxChars) continue
      context.summaries.push({ id: episode.id, sessionId: episode.sessionId, text, ts: episode.ts, score })
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
