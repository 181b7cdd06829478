// The lazy id index (decision 1740): nothing is hashed until an id is looked up, and a lookup
// answers exactly as an index filled at each append would, expiry included.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type IndexedLog, MemoryIdIndex } from './memory-id-index.ts'

interface TestRecord {
  id: string
  seq: number
  appendedAt: number
}

const record = (seq: number, appendedAt: number): TestRecord => ({ id: `id-${seq}`, seq, appendedAt })

/** A log over a plain array; the index answers positions, mapped back to records here. */
function logOf(records: TestRecord[]): IndexedLog {
  return {
    get length() {
      return records.length
    },
    idAt: (index) => records[index]!.id,
    appendedAt: (index) => records[index]!.appendedAt,
  }
}

function found(index: MemoryIdIndex, records: TestRecord[], id: string, now: number): TestRecord | undefined {
  const position = index.get(id, now)
  return position === undefined ? undefined : records[position]
}

test('appends cost no hashing until a lookup, which then sees every record', () => {
  const records: TestRecord[] = []
  const index = new MemoryIdIndex(1000, logOf(records))
  for (let seq = 1; seq <= 500; seq++) records.push(record(seq, 10))
  assert.equal(index.pending, 500)
  assert.equal(found(index, records, 'id-250', 20)?.seq, 250)
  assert.equal(index.pending, 0)
  assert.equal(found(index, records, 'id-501', 20), undefined)
  records.push(record(501, 30))
  assert.equal(index.pending, 1)
  assert.equal(found(index, records, 'id-501', 30)?.seq, 501)
})

test('expiry is exact: a record is found until its window ends, counted from its append', () => {
  const records: TestRecord[] = []
  const index = new MemoryIdIndex(1000, logOf(records))
  records.push(record(1, 0), record(2, 600))
  assert.equal(found(index, records, 'id-1', 999)?.seq, 1)
  assert.equal(found(index, records, 'id-1', 1000), undefined)
  assert.equal(found(index, records, 'id-2', 1599)?.seq, 2)
  assert.equal(found(index, records, 'id-2', 1600), undefined)
  // Records already past their window when first reached are not indexed at all.
  records.push(record(3, 100))
  assert.equal(found(index, records, 'id-3', 5000), undefined)
  records.push(record(4, 5000))
  assert.equal(found(index, records, 'id-4', 5999)?.seq, 4)
  assert.equal(found(index, records, 'id-4', 6000), undefined)
})

test('clear forgets everything and starts over with the records the log holds', () => {
  const records: TestRecord[] = [record(1, 0)]
  const index = new MemoryIdIndex(1000, logOf(records))
  assert.equal(found(index, records, 'id-1', 1)?.seq, 1)
  index.clear()
  records.length = 0
  assert.equal(found(index, records, 'id-1', 2), undefined)
  records.push(record(1, 3))
  assert.equal(found(index, records, 'id-1', 4)?.seq, 1)
})
