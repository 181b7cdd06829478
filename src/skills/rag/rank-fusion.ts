import { DEFAULT_RRF_K } from './rag-options.ts'

export interface FusedItem<K> {
  key: K
  score: number
  /** 1-based rank of the item in each input list; undefined where the list did not contain it. */
  ranks: (number | undefined)[]
}

/**
 * Reciprocal rank fusion: score(d) = sum over lists of 1 / (k + rank(d)). Uses only ranks, so
 * BM25 scores and cosine distances need no common scale. Ties break by best single rank, then by
 * the order the key was first seen (stable for equal input).
 */
export function fuseRankings<K>(lists: readonly (readonly K[])[], k: number = DEFAULT_RRF_K): FusedItem<K>[] {
  // Plain loops and one array of ranks per item: this runs twice on every chat turn's memory read.
  const fused = new Map<K, FusedItem<K> & { best: number; seen: number }>()
  const count = lists.length
  let seen = 0
  for (let listIndex = 0; listIndex < count; listIndex++) {
    const list = lists[listIndex]!
    for (let position = 0; position < list.length; position++) {
      const key = list[position]!
      const rank = position + 1
      let item = fused.get(key)
      if (item === undefined) {
        const ranks: (number | undefined)[] = new Array(count).fill(undefined)
        item = { key, score: 0, ranks, best: rank, seen: seen++ }
        fused.set(key, item)
      } else if (item.ranks[listIndex] !== undefined) continue // a list naming a key twice counts once
      item.ranks[listIndex] = rank
      item.score += 1 / (k + rank)
      if (rank < item.best) item.best = rank
    }
  }
  const sorted = [...fused.values()].sort((a, b) => b.score - a.score || a.best - b.best || a.seen - b.seen)
  const result: FusedItem<K>[] = new Array(sorted.length)
  for (let index = 0; index < sorted.length; index++) {
    const { key, score, ranks } = sorted[index]!
    result[index] = { key, score, ranks }
  }
  return result
}
