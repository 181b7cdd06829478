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
  const fused = new Map<K, FusedItem<K> & { best: number; seen: number }>()
  let seen = 0
  lists.forEach((list, listIndex) => {
    list.forEach((key, position) => {
      const rank = position + 1
      let item = fused.get(key)
      if (item === undefined) {
        item = { key, score: 0, ranks: lists.map(() => undefined), best: rank, seen: seen++ }
        fused.set(key, item)
      }
      if (item.ranks[listIndex] !== undefined) return // a list naming a key twice counts once
      item.ranks[listIndex] = rank
      item.score += 1 / (k + rank)
      item.best = Math.min(item.best, rank)
    })
  })
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || a.seen - b.seen)
    .map(({ key, score, ranks }) => ({ key, score, ranks }))
}
