import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_RECENT_EVENT_BYTES, makeRecord, RecentEvents, type SqliteRecord } from './recent-events.ts'

const bodyOf = (seq: number) => JSON.stringify({ seq, type: 'ui.feedback', text: `é-${seq}` })

function filled(cache: RecentEvents, from: number, to: number): void {
  for (let seq = from; seq <= to; seq++)
    cache.add(
      makeRecord(seq, seq % 2 === 0 ? 'even' : 'odd', seq % 3 === 0 ? undefined : `s${seq % 3}`, bodyOf(seq)),
    )
}

test('older records are read back from their bytes with the same seq, type, session and text', () => {
  const cache = new RecentEvents(8, 2)
  filled(cache, 1, 12)
  const records = cache.after(0, 100)!
  assert.deepEqual(
    records.map((record) => [record.seq, record.type, record.sessionId, record.body]),
    Array.from({ length: 12 }, (_, index) => {
      const seq = index + 1
      return [seq, seq % 2 === 0 ? 'even' : 'odd', seq % 3 === 0 ? undefined : `s${seq % 3}`, bodyOf(seq)]
    }),
  )
  assert.deepEqual(records[4]!.envelope(), JSON.parse(bodyOf(5)))
  const matched = cache.matching(3, 3, (type) => type === 'even')!
  assert.deepEqual(
    matched.records.map((record) => record.seq),
    [4, 6, 8],
  )
  assert.equal(matched.through, 8)
})

test('only the newest records are kept as objects: older ones are new objects on each read', () => {
  const cache = new RecentEvents(8, 2)
  filled(cache, 1, 6)
  const first = cache.after(0, 6)!
  const again = cache.after(0, 6)!
  assert.notEqual(first[0], again[0])
  assert.equal(first[5], again[5])
})

test('it holds twice its capacity of records, then the oldest leave', () => {
  const cache = new RecentEvents(4, 1)
  filled(cache, 1, 20)
  assert.equal(cache.size, 8)
  assert.equal(cache.lastSeq, 20)
  assert.equal(cache.after(11, 10), undefined)
  assert.deepEqual(
    cache.after(12, 10)!.map((record) => record.body),
    [13, 14, 15, 16, 17, 18, 19, 20].map(bodyOf),
  )
})

test('records whose bytes the ring overwrote leave; the rest read back intact', () => {
  const length = Buffer.byteLength(bodyOf(100))
  // Room for three bodies and a bit: the fourth starts over at the beginning.
  const cache = new RecentEvents(100, 0, length * 3 + 5)
  filled(cache, 100, 109)
  assert.equal(cache.size, 3)
  assert.equal(cache.after(105, 10), undefined)
  assert.equal(
    cache.matching(105, 10, () => true),
    undefined,
  )
  assert.deepEqual(
    cache.after(106, 10)!.map((record) => record.body),
    [107, 108, 109].map(bodyOf),
  )
  assert.equal(cache.lastSeq, 109)
})

test('a body bigger than the ring is not cached, and the cache goes on after it', () => {
  const cache = new RecentEvents(100, 0, 64)
  filled(cache, 1, 1)
  cache.add(makeRecord(2, 'big', undefined, 'x'.repeat(100)))
  filled(cache, 3, 3)
  assert.equal(cache.after(1, 10), undefined)
  assert.deepEqual(
    cache.after(2, 10)!.map((record) => record.body),
    [bodyOf(3)],
  )
})

test('a gap in seq clears it', () => {
  const cache = new RecentEvents(8, 1)
  filled(cache, 1, 5)
  filled(cache, 9, 10)
  assert.equal(cache.size, 2)
  assert.equal(cache.after(5, 10), undefined)
  assert.deepEqual(
    cache.after(8, 10)!.map((record) => record.seq),
    [9, 10],
  )
})

// Decision 2074: the last commit stays objects until the next one; runs of one type are passed
// with one check of the filter.

function records(from: number, to: number, typeOf: (seq: number) => string = () => 'odd'): SqliteRecord[] {
  return Array.from({ length: to - from + 1 }, (_, index) =>
    makeRecord(from + index, typeOf(from + index), undefined, bodyOf(from + index)),
  )
}

test('the records of the last commit are read as they are until the next commit', () => {
  const cache = new RecentEvents(100, 2)
  const first = records(1, 10)
  cache.addCommit(first)
  const read = cache.after(0, 10)!
  assert.deepEqual(
    read.map((record, index) => record === first[index]),
    Array(10).fill(true),
    'every record of the commit is the committed object',
  )
  assert.deepEqual(
    cache.matching(0, 10, () => true)!.records.map((record, index) => record === first[index]),
    Array(10).fill(true),
  )
  const second = records(11, 13)
  cache.addCommit(second)
  const again = cache.after(0, 13)!
  assert.deepEqual(
    again.map((record) => record.body),
    [...first, ...second].map((record) => record.body),
  )
  // The newest two (textRecords) and this commit's three stay objects; the older commit is bytes now.
  assert.deepEqual(
    again.map((record, index) => record === [...first, ...second][index]),
    [...Array(10).fill(false), true, true, true],
  )
})

test('what a commit keeps as objects is bounded by records and by text, newest first', () => {
  const byCount = new RecentEvents(100, 1, DEFAULT_RECENT_EVENT_BYTES, 4)
  const committed = records(1, 10)
  byCount.addCommit(committed)
  assert.deepEqual(
    byCount.after(0, 10)!.map((record, index) => record === committed[index]),
    [...Array(6).fill(false), true, true, true, true],
  )
  // Room for the text of seqs 8 to 10, not 7.
  const chars = bodyOf(8).length + bodyOf(9).length + bodyOf(10).length
  const byText = new RecentEvents(100, 1, DEFAULT_RECENT_EVENT_BYTES, 100, chars + bodyOf(7).length - 1)
  byText.addCommit(committed)
  assert.deepEqual(
    byText.after(0, 10)!.map((record, index) => record === committed[index]),
    [...Array(7).fill(false), true, true, true],
  )
  // A single add() keeps only the newest textRecords, as before.
  const eleventh = makeRecord(11, 'odd', undefined, bodyOf(11))
  byText.add(eleventh)
  assert.deepEqual(
    byText.after(0, 11)!.map((record, index) => record === [...committed, eleventh][index]),
    [...Array(10).fill(false), true],
  )
})

test('a run of one type the filter does not take costs one check', () => {
  const cache = new RecentEvents(1000, 4)
  const typeOf = (seq: number) => (seq <= 300 ? 'a' : seq <= 600 ? 'b' : 'a')
  cache.addCommit(records(1, 450, typeOf))
  cache.addCommit(records(451, 900, typeOf))
  const asked: string[] = []
  const found = cache.matching(0, 1000, (type) => {
    asked.push(type)
    return type === 'b'
  })!
  assert.deepEqual(asked, ['a', 'b', 'a'])
  assert.equal(found.records.length, 300)
  assert.equal(found.records[0]!.seq, 301)
  assert.equal(found.through, 900)
  asked.length = 0
  const fromInside = cache.matching(700, 1000, (type) => {
    asked.push(type)
    return type === 'b'
  })!
  assert.deepEqual(asked, ['a'])
  assert.deepEqual(fromInside, { records: [], through: 900 })
})

test('matching equals a scan of the cached records, across commits, gaps, evictions and a small ring', () => {
  let seed = 7
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  const types = ['a', 'b', 'c.x', 'c.y']
  for (let trial = 0; trial < 40; trial++) {
    const textRecords = random(4)
    const cache = new RecentEvents(2 + random(30), textRecords, 64 + random(2000), 1 + random(50))
    let next = 1
    for (let step = 0; step < 60; step++) {
      if (random(10) === 0) next += 1 + random(3) // a gap: another process committed
      const size = 1 + random(12)
      const run = types[random(types.length)]!
      const batch = Array.from({ length: size }, (_, index) =>
        makeRecord(
          next + index,
          random(3) === 0 ? types[random(types.length)]! : run,
          random(2) === 0 ? undefined : `s${random(3)}`,
          bodyOf(next + index),
        ),
      )
      next += size
      if (random(4) === 0) for (const record of batch) cache.add(record)
      else cache.addCommit(batch)
      for (const filter of [
        (type: string) => type === 'a',
        (type: string) => type.startsWith('c.'),
        () => true,
      ]) {
        const afterSeq = Math.max(0, next - 1 - random(60))
        const limit = 1 + random(20)
        const all = cache.after(afterSeq, 10_000)
        const got = cache.matching(afterSeq, limit, filter)
        if (all === undefined) {
          assert.equal(got, undefined)
          continue
        }
        const expected: number[] = []
        let through = afterSeq
        for (const record of all) {
          through = record.seq
          if (filter(record.type) && expected.push(record.seq) >= limit) break
        }
        assert.ok(got !== undefined)
        assert.deepEqual(
          got.records.map((record) => [record.seq, record.type, record.sessionId, record.body]),
          all
            .filter((record) => expected.includes(record.seq))
            .map((record) => [record.seq, record.type, record.sessionId, record.body]),
        )
        assert.equal(got.through, through)
      }
    }
  }
})
