import assert from 'node:assert/strict'
import { test } from 'node:test'
import { uuidV7, uuidV7Time } from './uuid-v7.ts'

test('UUIDv7: version and variant bits, embedded time, monotonic within a millisecond', () => {
  const now = Date.UTC(2030, 0, 1)
  const ids = Array.from({ length: 5000 }, () => uuidV7(now))
  for (const id of ids)
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.equal(new Set(ids).size, ids.length)
  assert.deepEqual([...ids].sort(), ids, 'creation order is sort order, even past 4096 ids in one ms')
  assert.ok(uuidV7Time(ids[0]!) === now)
  const earlier = uuidV7(now - 10_000)
  assert.ok(earlier > ids[ids.length - 1]!, 'a clock that steps back does not break the order')
})
