/** Only this much of a query is read; the rest cannot change which terms are used. */
export const DEFAULT_MAX_QUERY_CHARS = 4096
/** At most this many distinct terms go into one MATCH expression. */
export const DEFAULT_MAX_QUERY_TERMS = 32
/** Longer "words" (hashes, base64) are cut; FTS5 would rarely match them anyway. */
export const MAX_TERM_CHARS = 64

const TERM = /[\p{L}\p{N}\p{M}\p{Co}]+/gu

export interface FtsQueryOptions {
  maxQueryChars?: number
  maxTerms?: number
}

/** The distinct lowercase word terms of a user's query, in order of first appearance. */
export function queryTerms(query: string, options: FtsQueryOptions = {}): string[] {
  const maxChars = options.maxQueryChars ?? DEFAULT_MAX_QUERY_CHARS
  const maxTerms = options.maxTerms ?? DEFAULT_MAX_QUERY_TERMS
  const text = String(query).slice(0, maxChars).normalize('NFKC').toLowerCase()
  const terms = new Set<string>()
  for (const match of text.matchAll(TERM)) {
    terms.add(match[0].slice(0, MAX_TERM_CHARS))
    if (terms.size >= maxTerms) break
  }
  return [...terms]
}

/**
 * Turns free text into a safe FTS5 MATCH expression: every term becomes a quoted string (so
 * `AND`, `NEAR`, `col:`, `*`, `^` and quotes are plain words or dropped), joined with OR so that
 * BM25 ranks documents by how many and how rare the matched terms are. Returns undefined when
 * the query has no searchable term (the caller then returns no hits instead of querying).
 */
export function toFtsMatchExpression(query: string, options: FtsQueryOptions = {}): string | undefined {
  return matchExpressionOf(queryTerms(query, options))
}

/** The MATCH expression of terms from queryTerms (any term of them); undefined for none. */
export function matchExpressionOf(terms: readonly string[]): string | undefined {
  if (terms.length === 0) return undefined
  // Terms hold only letters, digits and marks, so no quote can appear; doubling is belt and braces.
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ')
}
