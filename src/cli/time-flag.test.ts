import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseTimeFlag } from './time-flag.ts'

test('RFC 3339 times, with or without seconds and offset, and dates alone are read', () => {
  assert.equal(parseTimeFlag('2030-01-01T00:00:00Z', '--since'), '2030-01-01T00:00:00.000Z')
  assert.equal(parseTimeFlag('2030-01-01T01:30:00.250+01:00', '--since'), '2030-01-01T00:30:00.250Z')
  assert.equal(parseTimeFlag('2030-01-01', '--since'), '2030-01-01T00:00:00.000Z')
  assert.equal(parseTimeFlag('2028-02-29T10:00Z', '--since'), '2028-02-29T10:00:00.000Z')
})

test('what Date.parse would have read as some other time is refused, naming the flag', () => {
  for (const value of ['1', '0', '-5', '2030', 'Jan 1 2030', 'yesterday', '', '2030-1-1']) {
    assert.throws(
      () => parseTimeFlag(value, '--since'),
      /--since must be a time \(e\.g\. 2030-01-01T00:00:00Z\)/,
      value,
    )
  }
  for (const value of ['2030-02-30', '2029-02-29T00:00:00Z', '2030-13-01', '2030-01-01T24:00:00Z']) {
    assert.throws(() => parseTimeFlag(value, '--until'), /--until (names no such time|must be a time)/, value)
  }
})
