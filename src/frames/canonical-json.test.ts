import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { canonicalJson, manifestHash } from './canonical-json.ts'

describe('canonical JSON and manifest_hash', () => {
  test('keys sorted at every depth by UTF-16 code unit, no whitespace, arrays kept in order', () => {
    assert.equal(
      canonicalJson({ b: 1, a: [{ z: true, y: null }, 'é'], B: { d: 1.5, c: 'x' } }),
      '{"B":{"c":"x","d":1.5},"a":[{"y":null,"z":true},"é"],"b":1}',
    )
    // U+FF21 (one unit 0xFF21) sorts after U+1F600 (units 0xD83D 0xDE00) by code unit, before by code point.
    assert.equal(canonicalJson({ Ａ: 1, '😀': 2 }), '{"😀":2,"Ａ":1}')
    assert.equal(canonicalJson({ u: undefined, n: 1e21, s: 'line\nbreak' }), '{"n":1e+21,"s":"line\\nbreak"}')
  })

  test('manifest_hash is the sha256 hex of the canonical entries (a vector the Python host shares)', () => {
    const entries = [{ tool_id: 'echo', name: 'Echo', primitive: 'check', source_mode: 'internal' }]
    const text = '[{"name":"Echo","primitive":"check","source_mode":"internal","tool_id":"echo"}]'
    assert.equal(manifestHash(entries), createHash('sha256').update(text).digest('hex'))
    assert.equal(manifestHash(entries), '6aabbb1a5c81ccb01f2a2b2d397e5c021e10f314674009bcaec0e09302c14647')
  })

  test('manifest_hash sorts the entries by tool_id (seed I3): the order sent does not change it', () => {
    const zeta = { tool_id: 'zeta', name: 'Z', primitive: 'check', source_mode: 'internal' }
    const alpha = { tool_id: 'alpha', name: 'A', primitive: 'find', source_mode: 'internal' }
    assert.equal(manifestHash([zeta, alpha]), manifestHash([alpha, zeta]))
    assert.equal(
      manifestHash([zeta, alpha]),
      createHash('sha256')
        .update(canonicalJson([alpha, zeta]))
        .digest('hex'),
    )
    // The vector python/tests/test_canonical_json.py checks too.
    assert.equal(
      manifestHash([zeta, alpha]),
      '74827c7a407adebdfcbfc535982139ec556ee4116c996ae653f7f2ca462d8e9c',
    )
    // Different contents still differ.
    assert.notEqual(manifestHash([zeta, alpha]), manifestHash([zeta, { ...alpha, name: 'B' }]))
  })

  test('property: key order never changes the canonical form; the result parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value)
        assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)))
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
          const reversed = Object.fromEntries(Object.entries(value).reverse())
          assert.equal(canonicalJson(reversed), text)
        }
      }),
      { numRuns: 300 },
    )
  })
})
