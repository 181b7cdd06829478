import { DEFAULT_RRF_K } from '../rag/index.ts'

export const FACT = 0
export const SUMMARY = 1

/**
 * The candidates of one context read, fused per kind by reciprocal rank fusion over two rankings
 * (lexical, then recency), kept in parallel arrays (decision 1787). It answers what running
 * `fuseRankings` on each kind, concatenating facts then summaries and sorting stably by score
 * did — the same scores (summed in the same order), the same ties (best single rank, then first
 * seen, facts before summaries) — without an object, a ranks array and a copy per candidate on
 * every chat turn.
 */
export class FusedCandidates<K = string> {
  readonly kinds: number[] = []
  readonly keys: K[] = []
  readonly scores: number[] = []
  readonly #best: number[] = []
  // The last ranking each candidate was counted in (the rankings are added in order).
  readonly #seenIn: number[] = []
  readonly #k: number

  constructor(k: number = DEFAULT_RRF_K) {
    this.#k = k
  }

  /** Adds one kind's two rankings (keys, best first); a ranking naming a key twice counts it once. */
  add(kind: number, lexical: readonly K[], recent: readonly K[]): void {
    const indexOf = new Map<K, number>()
    this.#rank(kind, indexOf, lexical, 0)
    this.#rank(kind, indexOf, recent, 1)
  }

  #rank(kind: number, indexOf: Map<K, number>, list: readonly K[], listIndex: number): void {
    const k = this.#k
    for (let position = 0; position < list.length; position++) {
      const key = list[position]!
      const rank = position + 1
      let index = indexOf.get(key)
      if (index === undefined) {
        index = this.keys.length
        indexOf.set(key, index)
        this.kinds.push(kind)
        this.keys.push(key)
        this.scores.push(0)
        this.#best.push(rank)
        this.#seenIn.push(listIndex)
      } else if (this.#seenIn[index]! >= listIndex) continue
      else this.#seenIn[index] = listIndex
      this.scores[index]! += 1 / (k + rank)
      if (rank < this.#best[index]!) this.#best[index] = rank
    }
  }

  /** Candidate indexes by fused score, then kind, then best single rank, then first seen. */
  order(): number[] {
    const order = new Array<number>(this.keys.length)
    for (let index = 0; index < order.length; index++) order[index] = index
    const { kinds, scores } = this
    const best = this.#best
    return order.sort(
      (a, b) =>
        scores[b]! - scores[a]! ||
        kinds[a]! - kinds[b]! ||
        best[a]! - best[b]! ||
        // Indexes grow in the order candidates were first seen, within a kind.
        a - b,
    )
  }
}
