// What decision 1787 relies on: the context read's candidate order from parallel arrays is the one
// the read had with `fuseRankings` per kind, facts then summaries, sorted stably by score — scores
// equal to the last bit, and every tie (same score, same best rank, same kind) broken the same way.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bytesPerCall } from '../../../test/kit/bytes-per-call.ts'
import { fuseRankings } from '../rag/index.ts'
import { FACT, FusedCandidates, SUMMARY } from './fused-candidates.ts'

/** The order as the read computed it before: objects per candidate, two sorts. */
function previousOrder(facts: [string[], string[]], summaries: [string[], string[]], k: number) {
  const candidates = [
    ...fuseRankings(facts, k).map(({ key, score }) => ({ kind: 'fact', key, score })),
    ...fuseRankings(summaries, k).map(({ key, score }) => ({ kind: 'summary', key, score })),
  ]
  candidates.sort((a, b) => b.score - a.score)
  return candidates
}

/** A ranking of up to `size` ids drawn from a small pool, so lists overlap, repeat and tie often. */
function ranking(random: () => number, prefix: string, size: number): string[] {
  const length = Math.floor(random() * (size + 1))
  return Array.from({ length }, () => `${prefix}${Math.floor(random() * size * 1.5)}`)
}

test('orders candidates exactly as fusing each kind and sorting stably by score did', () => {
  let seed = 17
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  for (let round = 0; round < 6_000; round++) {
    // The read's k, and small ones under which two candidates of unequal best rank tie on score.
    const k = [60, 0, 1][round % 3]!
    const size = 1 + Math.floor(random() * 12)
    // Facts and summaries sometimes share ids: only the kind tells them apart.
    const prefix = round % 4 === 0 ? 'x' : 'f'
    const facts: [string[], string[]] = [ranking(random, prefix, size), ranking(random, prefix, size)]
    const summaries: [string[], string[]] = [ranking(random, 'x', size), ranking(random, 'x', size)]
    const fused = new FusedCandidates(k)
    fused.add(FACT, facts[0], facts[1])
    fused.add(SUMMARY, summaries[0], summaries[1])
    const now = fused.order().map((index) => ({
      kind: fused.kinds[index] === FACT ? 'fact' : 'summary',
      key: fused.keys[index],
      score: fused.scores[index],
    }))
    assert.deepEqual(now, previousOrder(facts, summaries, k), `round ${round}`)
  }
})

test("ranking a read's candidates keeps no map per kind and sorts in place", () => {
  // A turn's read: the newest 50 lexical matches and the session's 10 latest episodes, no facts.
  const lexical = Array.from({ length: 50 }, (_, index) => 3_000 - index * 3)
  const recent = Array.from({ length: 10 }, (_, index) => 3_000 - index * 10)
  const rank = () => {
    const fused = new FusedCandidates<number>()
    fused.add(FACT, [], [])
    fused.add(SUMMARY, lexical, recent)
    return fused.order()
  }
  // Before: a Map per kind (~3.7 KB for 60 keys), scores converted from small integers on their
  // first sum, and Array.prototype.sort's work arrays: ~15.7 KB. Now the five lists and the order.
  const bytes = bytesPerCall(rank)
  assert.ok(bytes < 10_000, `${bytes.toFixed(0)} bytes per ranking`)
})
