import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { PreRollBuffer } from './pre-roll-buffer.ts'

const bytes = (...values: number[]) => Buffer.from(values)

describe('PreRollBuffer', () => {
  test('keeps only the newest bytes, never more than its capacity, oldest first', () => {
    const ring = new PreRollBuffer(6)
    ring.push(bytes(1, 2, 3, 4))
    assert.equal(ring.length, 4)
    ring.push(bytes(5, 6, 7, 8))
    assert.equal(ring.length, 6)
    assert.deepEqual([...ring.take()], [3, 4, 5, 6, 7, 8])
    assert.equal(ring.length, 0)
  })

  test('a push larger than the ring keeps its tail; take empties it', () => {
    const ring = new PreRollBuffer(4)
    ring.push(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
    assert.deepEqual([...ring.take()], [7, 8, 9, 10])
    assert.deepEqual([...ring.take()], [])
  })

  test('clear forgets everything; a zero-size ring holds nothing', () => {
    const ring = new PreRollBuffer(4)
    ring.push(bytes(1, 2))
    ring.clear()
    assert.deepEqual([...ring.take()], [])
    const none = new PreRollBuffer(0)
    none.push(bytes(1, 2, 3))
    assert.equal(none.length, 0)
  })
})
