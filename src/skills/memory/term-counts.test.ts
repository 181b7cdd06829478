import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TermCounts } from './term-counts.ts'

/** A store of `total` episodes where each term is held by `held[term]`; counts each question. */
function sourceOf(held: Record<string, number>, total: number) {
  const asked: string[] = []
  return {
    asked,
    source: {
      count: (term: string) => {
        asked.push(term)
        return held[term] ?? 0
      },
      total() {
        return total
      },
    },
  }
}

test('a term held by more than the window and by half the episodes or more is left out', () => {
  const { source } = sourceOf({ the: 500, code: 300, nebula: 1, what: 499 }, 1000)
  const counts = new TermCounts(source)
  const selection = counts.selective(['what', 'the', 'code', 'nebula', 'absent'], 100)
  assert.deepEqual(selection.terms, ['what', 'code', 'nebula', 'absent'])
  assert.deepEqual(selection.rare, ['nebula', 'absent'])
  assert.equal(selection.crowded, true, '499 + 300 + 1 matches may be more than 100')
})

test('nothing is counted while the store is no larger than the window', () => {
  const { source, asked } = sourceOf({ the: 90 }, 90)
  const selection = new TermCounts(source).selective(['the', 'cat'], 100)
  assert.deepEqual(selection.terms, ['the', 'cat'])
  assert.deepEqual(asked, [])
})

test('a count is taken once per term, case and diacritics folded as FTS5 folds them', () => {
  const { source, asked } = sourceOf({ café: 3 }, 1000)
  const counts = new TermCounts(source)
  counts.selective(['café'], 100)
  counts.selective(['cafe', 'CAFÉ'.toLowerCase()], 100)
  assert.deepEqual(asked, ['café'])
})

test('recording an episode moves the counts it holds and the total; clear() forgets them', () => {
  const { source, asked } = sourceOf({ okapi: 400 }, 1000)
  const counts = new TermCounts(source)
  assert.deepEqual(counts.selective(['okapi'], 100).terms, ['okapi'], '400 of 1000: kept')
  for (let index = 0; index < 200; index++) counts.recorded('Okapi facts', 'the OKAPI again', '')
  // 600 of 1200 now: at half, past the window.
  assert.deepEqual(counts.selective(['okapi'], 100).terms, [])
  assert.equal(asked.length, 1, 'moved, not counted again')
  counts.clear()
  counts.selective(['okapi'], 100)
  assert.equal(asked.length, 2)
})

test('counts are taken afresh after recountEpisodes recordings, and at most maxEntries are kept', () => {
  const { source, asked } = sourceOf({}, 1000)
  const counts = new TermCounts(source, 2, 3)
  counts.selective(['a', 'b', 'c'], 100)
  assert.equal(counts.size, 2, 'the oldest went')
  counts.recorded('x')
  counts.recorded('x')
  assert.equal(counts.size, 2)
  counts.recorded('x')
  assert.equal(counts.size, 0, 'the third recording cleared them')
  assert.deepEqual(asked, ['a', 'b', 'c'])
  assert.throws(() => new TermCounts(source, 0), RangeError)
  assert.throws(() => new TermCounts(source, 1, 1.5), RangeError)
})

test('when every term is left out, the least common one is named as the fallback', () => {
  const { source } = sourceOf({ the: 900, launch: 600, code: 700 }, 1000)
  const selection = new TermCounts(source).selective(['the', 'launch', 'code'], 100)
  assert.deepEqual(selection.terms, [])
  assert.equal(selection.fallback, 'launch')
  const some = new TermCounts(sourceOf({ the: 900, nebula: 2 }, 1000).source).selective(
    ['the', 'nebula'],
    100,
  )
  assert.equal(some.fallback, undefined, 'no fallback while a term is kept')
})
