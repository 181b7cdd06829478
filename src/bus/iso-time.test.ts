// What decision 2077 relies on: the remembered RFC 3339 string is the one toISOString gives for
// that millisecond, whichever millisecond was asked before, and an invalid time still throws.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isoTime } from './iso-time.ts'

test('isoTime answers toISOString for each millisecond, going back and forth', () => {
  const base = Date.UTC(2026, 11, 6, 12, 0, 0, 998)
  for (const ms of [base, base, base + 1, base + 2, base, base + 0.5, base + 1, -1, 0, 8.64e15]) {
    assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms))
  }
})

test('an invalid time throws as toISOString does', () => {
  assert.throws(() => isoTime(Number.NaN), RangeError)
  assert.throws(() => isoTime(8.64e15 + 1), RangeError)
  assert.equal(isoTime(0), '1970-01-01T00:00:00.000Z')
})
