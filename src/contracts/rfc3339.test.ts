import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import addFormatsModule from 'ajv-formats'
import fc from 'fast-check'
import { isRfc3339DateTime } from './rfc3339.ts'

// ajv-formats' own date-time check is the oracle the fast version must agree with.
const formats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as {
  get(name: string, mode: 'full'): { validate: (text: string) => boolean }
}
const oracle = formats.get('date-time', 'full').validate

describe('isRfc3339DateTime', () => {
  test('known good and bad values', () => {
    for (const good of [
      '2026-11-23T10:00:00Z',
      '2024-02-29T23:59:59.123456+05:30',
      '2016-12-31T23:59:60Z',
      '2026-01-01t00:00:00z',
    ]) {
      assert.equal(isRfc3339DateTime(good), true, good)
    }
    for (const bad of [
      '2026-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-11-23T24:00:00Z',
      '2026-11-23T10:00:00',
      '2026-11-23T10:00:00.Z',
      '2026-11-23T12:00:60Z',
      'x'.repeat(25),
    ]) {
      assert.equal(isRfc3339DateTime(bad), false, bad)
    }
  })

  test('agrees with ajv-formats on generated date-times and mutations of them', () => {
    const piece = (max: number, width: number) =>
      fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0'))
    const candidate = fc
      .tuple(
        piece(9999, 4),
        piece(13, 2),
        piece(32, 2),
        fc.constantFrom('T', 't', ' ', 'x'),
        piece(24, 2),
        piece(60, 2),
        piece(61, 2),
        fc.constantFrom('', '.5', '.123456789', '.'),
        fc.constantFrom('Z', 'z', '+00:00', '-23:59', '+24:00', '+05:3', ''),
      )
      .map(([y, mo, d, sep, h, mi, s, frac, zone]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${zone}`)
    fc.assert(
      fc.property(candidate, (text) => isRfc3339DateTime(text) === oracle(text)),
      { numRuns: 5000 },
    )
  })
})
