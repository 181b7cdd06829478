import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fuseRankings } from './rank-fusion.ts'

test('an item ranked well by both lists beats items ranked first by only one', () => {
  const fused = fuseRankings([
    ['a', 'b', 'c'],
    ['d', 'b', 'e'],
  ])
  assert.equal(fused[0]!.key, 'b')
  assert.deepEqual(fused[0]!.ranks, [2, 2])
  assert.equal(fused[1]!.key, 'a', 'then first places, in the order first seen')
  assert.deepEqual(fused[1]!.ranks, [1, undefined])
  assert.ok(Math.abs(fused[0]!.score - 2 / 62) < 1e-12, 'k = 60 by default')
})

test('the constant k changes how much the top ranks dominate', () => {
  const lists = [
    ['x', 'a', 'b', 'c', 'm'],
    ['y', 'd', 'e', 'f', 'm'],
  ]
  // With a tiny k, first places dominate; with a large k, appearing in both lists wins.
  assert.equal(fuseRankings(lists, 1)[0]!.key, 'x')
  assert.equal(fuseRankings(lists, 1000)[0]!.key, 'm')
})

test('ties are stable and duplicates inside one list count once', () => {
  const fused = fuseRankings([['p', 'p', 'q'], []])
  assert.deepEqual(
    fused.map((item) => item.key),
    ['p', 'q'],
  )
  assert.equal(fused[0]!.score, 1 / 61)
  assert.deepEqual(fuseRankings([]), [])
})
