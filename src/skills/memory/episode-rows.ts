import { BoundedCache } from './bounded-cache.ts'

/** Episode rows a store keeps in memory, loaded and scrubbed, for its next context reads. */
export const DEFAULT_EPISODE_ROW_ENTRIES = 512

/** An episode as a context read uses it: its summary already scrubbed, its time already formatted. */
export interface LoadedEpisode {
  readonly id: string
  readonly sessionId: string
  readonly text: string
  readonly ts: string
}

/**
 * The episodes context reads have loaded lately, by row number (decision 2096). Every turn reads
 * the session's latest episodes again (they always compete for the context), and each load was a
 * SQLite row read, three new strings, a scrub-cache lookup and a Date on the way to the model. An
 * episode row is never changed after it is written: it is only deleted (forget, retention) or
 * rewritten by `memory scrub`, and the store clears this cache on each of those, and whenever
 * another connection has written to the file (SQLite's data_version), so a deleted memory is never
 * answered from here. Oldest entries leave first.
 */
export class EpisodeRows extends BoundedCache<number, LoadedEpisode> {
  constructor(maxEntries = DEFAULT_EPISODE_ROW_ENTRIES) {
    super(maxEntries)
  }
}
