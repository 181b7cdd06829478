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
    const first = this.keys.length
    this.#rank(kind, first, lexical, 0)
    this.#rank(kind, first, recent, 1)
  }

  /**
   * The candidate of this kind (those from `first` on) holding `key`, or -1. A linear search: a
   * kind holds at most the two rankings' lengths (the read asks for 50 and 10), and a Map per kind
   * was most of the read's garbage (decision 2096).
   */
  #indexOf(key: K, first: number): number {
    const keys = this.keys
    for (let index = first; index < keys.length; index++) if (keys[index] === key) return index
    return -1
  }

  #rank(kind: number, first: number, list: readonly K[], listIndex: number): void {
    const k = this.#k
    for (let position = 0; position < list.length; position++) {
      const key = list[position]!
      const rank = position + 1
      const index = this.#indexOf(key, first)
      if (index === -1) {
        this.kinds.push(kind)
        this.keys.push(key)
        // 0 + x is x to the bit: the score is the first term itself, and the list holds doubles from
        // its first element instead of being converted from small integers on the first sum.
        this.scores.push(1 / (k + rank))
        this.#best.push(rank)
        this.#seenIn.push(listIndex)
        continue
      }
      if (this.#seenIn[index]! >= listIndex) continue
      this.#seenIn[index] = listIndex
      this.scores[index]! += 1 / (k + rank)
      if (rank < this.#best[index]!) this.#best[index] = rank
    }
  }

  /** Candidate indexes by fused score, then kind, then best single rank, then first seen. */
  order(): number[] {
    const count = this.keys.length
    const order: number[] = []
    const { kinds, scores } = this
    const best = this.#best
    // Whether candidate `a` comes before `b`: a total order (the index breaks every tie; indexes
    // grow in the order candidates were first seen, within a kind), so any sort gives one answer.
    const before = (a: number, b: number): boolean =>
      (scores[b]! - scores[a]! || kinds[a]! - kinds[b]! || best[a]! - best[b]! || a - b) < 0
    // Insertion in place: a read ranks some tens of candidates, and Array.prototype.sort's work
    // copies and runs were a third of the read's garbage (decision 2096).
    for (let index = 0; index < count; index++) {
      let at = order.length
      order.push(index)
      while (at > 0 && before(index, order[at - 1]!)) {
        order[at] = order[at - 1]!
        at--
      }
      order[at] = index
    }
    return order
  }
}
