import assert from 'node:assert/strict'
import { test } from 'node:test'
import { makeRecord, RecentEvents } from './recent-events.ts'

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
