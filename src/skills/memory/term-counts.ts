/** Query terms whose episode counts a store keeps between context reads. */
export const DEFAULT_TERM_COUNT_ENTRIES = 4096
/**
 * Counts are taken again after this many recorded episodes: a count moved by a recorded episode
 * follows this file's tokenizer, which can differ from FTS5's on rare text (symbols inside words).
 */
export const DEFAULT_TERM_RECOUNT_EPISODES = 1000

/** What a context read matches episodes with. */
export interface TermSelection {
  /** The terms kept, in the query's order. */
  terms: readonly string[]
  /** Kept terms held by no more than the window's episodes: all their matches can be scored. */
  rare: readonly string[]
  /** Whether the kept terms' matches may be more than the window holds (a sum of counts). */
  crowded: boolean
  /**
   * When every term was left out: the one the fewest rows hold. Its newest matches are still
   * worth showing (a topic the person talks about all the time), newest first.
   */
  fallback?: string
}

/** Where counts come from: the store's own full-text index, inside the read's transaction. */
export interface TermCountSource {
  /** Episodes whose text holds `term`, as FTS5 matches it. */
  count(term: string): number
  /** Episodes in the store. */
  total(): number
}

const TERM = /[\p{L}\p{N}\p{M}\p{Co}]+/gu
const MARK = /\p{M}/gu
/** Query terms are cut at this length (rag's MAX_TERM_CHARS): a longer word is never one. */
const MAX_COUNTED_TERM_CHARS = 64

/** The key of a term: FTS5 (`remove_diacritics 2`) matches "café" and "cafe" alike. */
function keyOf(term: string): string {
  return term.normalize('NFD').replace(MARK, '').toLowerCase()
}

/**
 * How many episodes hold each query term, so a context read can leave out the terms most
 * episodes hold (decision 2101). FTS5's BM25 gives such a term no weight (its IDF is clamped to
 * 1e-6 once half the rows hold it), yet counted every row holding it on every query, and its
 * matches filled the newest-matches window so that an older episode holding the question's rare
 * words was never scored. FTS5 stores no such count: it is taken once per term, then kept and
 * moved by the episodes this store records. The store clears the counts on every deletion, and when
 * another connection wrote to the file, as it does its episode cache.
 */
export class TermCounts {
  readonly #counts = new Map<string, number>()
  readonly #source: TermCountSource
  readonly #maxEntries: number
  readonly #recountEpisodes: number
  #total: number | undefined
  #recorded = 0

  constructor(
    source: TermCountSource,
    maxEntries = DEFAULT_TERM_COUNT_ENTRIES,
    recountEpisodes = DEFAULT_TERM_RECOUNT_EPISODES,
  ) {
    for (const [name, value] of [
      ['maxEntries', maxEntries],
      ['recountEpisodes', recountEpisodes],
    ] as const) {
      if (!(Number.isInteger(value) && value > 0))
        throw new RangeError(`${name} must be a positive integer, got ${value}`)
    }
    this.#source = source
    this.#maxEntries = maxEntries
    this.#recountEpisodes = recountEpisodes
  }

  get size(): number {
    return this.#counts.size
  }

  /**
   * The terms worth matching, in their order: a term held by more than `window` rows and by at
   * least half of them is left out. When that leaves none, the least common term is named as the
   * fallback. While the store holds no more than `window` rows, every term is kept and nothing is
   * counted.
   */
  selective(terms: readonly string[], window: number): TermSelection {
    if (terms.length === 0) return { terms, rare: [], crowded: false }
    this.#total ??= this.#source.total()
    if (this.#total <= window) return { terms, rare: [], crowded: false }
    const kept: string[] = []
    const rare: string[] = []
    let matches = 0
    let fallback: string | undefined
    let fewest = Number.POSITIVE_INFINITY
    for (const term of terms) {
      const count = this.#countOf(term)
      // A term no row holds costs FTS5 nothing, and is kept should a count have missed one.
      if (count > window && 2 * count >= this.#total) {
        if (count < fewest) {
          fewest = count
          fallback = term
        }
        continue
      }
      kept.push(term)
      matches += count
      if (count <= window) rare.push(term)
    }
    return kept.length === 0 && fallback !== undefined
      ? { terms: kept, rare, crowded: false, fallback }
      : { terms: kept, rare, crowded: matches > window }
  }

  /** An episode was recorded with these texts: the total and the kept counts move with it. */
  recorded(...texts: readonly string[]): void {
    if (++this.#recorded >= this.#recountEpisodes) {
      this.clear()
      return
    }
    if (this.#total !== undefined) this.#total++
    if (this.#counts.size === 0) return
    const seen = new Set<string>()
    for (const text of texts) {
      for (const match of text.normalize('NFKC').matchAll(TERM)) {
        if (match[0].length > MAX_COUNTED_TERM_CHARS) continue
        const key = keyOf(match[0])
        if (seen.has(key)) continue
        seen.add(key)
        const count = this.#counts.get(key)
        if (count !== undefined) this.#counts.set(key, count + 1)
      }
    }
  }

  clear(): void {
    this.#counts.clear()
    this.#total = undefined
    this.#recorded = 0
  }

  #countOf(term: string): number {
    const key = keyOf(term)
    let count = this.#counts.get(key)
    if (count === undefined) {
      count = this.#source.count(term)
      // Oldest first out: a Map iterates in insertion order.
      if (this.#counts.size >= this.#maxEntries) this.#counts.delete(this.#counts.keys().next().value!)
      this.#counts.set(key, count)
    }
    return count
  }
}
