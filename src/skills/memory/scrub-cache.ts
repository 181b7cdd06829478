import { BoundedCache } from './bounded-cache.ts'
import { scrubMemoryText } from './scrub-secrets.ts'

/** Texts whose scrubbed form a store keeps for its next context reads. */
export const DEFAULT_SCRUB_CACHE_ENTRIES = 256

/**
 * The scrubbed form of texts a context read has scrubbed lately. A read scrubs what it returns
 * (decision 1300: a store written before scrubbing must not reach a prompt), and consecutive turns
 * return mostly the same summaries: each scrub runs every secret detector over the text (~9 µs),
 * on the way to the model (decision 1756). The answer for a text never changes in one process, so
 * a remembered one is the scrubber's answer. Oldest entries leave first; the store clears the
 * cache when it deletes memories, so deleted words are not kept here either.
 */
export class ScrubCache {
  readonly #entries: BoundedCache<string, string>
  readonly #scrub: (text: string) => string

  constructor(
    maxEntries = DEFAULT_SCRUB_CACHE_ENTRIES,
    scrub: (text: string) => string = (text) => scrubMemoryText(text).text,
  ) {
    this.#entries = new BoundedCache(maxEntries)
    this.#scrub = scrub
  }

  scrub(text: string): string {
    return this.#entries.get(text, this.#scrub)!
  }

  clear(): void {
    this.#entries.clear()
  }

  get size(): number {
    return this.#entries.size
  }
}
