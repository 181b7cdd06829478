import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from './hub-error.ts'
import { assertNoLoneSurrogate, findLoneSurrogate, hasLoneSurrogate } from './lone-surrogate.ts'

describe('lone surrogates', () => {
  test('pairs and ordinary text pass; a lone high or low half does not', () => {
    assert.equal(hasLoneSurrogate('plain, ümlaut, 😀 (a pair)'), false)
    for (const bad of ['x\ud800y', '\udc00', 'end\ud83d', '\ude00start', '😀\ud800'])
      assert.equal(hasLoneSurrogate(bad), true, JSON.stringify(bad))
  })

  test('the pointer names the value, escaping ~ and / (RFC 6901)', () => {
    assert.equal(findLoneSurrogate({ text: 'ok', params: { path: 'ok' } }), undefined)
    assert.equal(findLoneSurrogate('x\ud800'), '')
    assert.equal(findLoneSurrogate({ params: { 'a/b~c': ['ok', 'x\udfffy'] } }), '/params/a~1b~0c/1')
    assert.equal(findLoneSurrogate({ params: { 'k\ud800': 1 } }), '/params/k\uFFFD')
  })

  test('deep nesting is walked without recursion', () => {
    let value: unknown = '\ud800'
    for (let depth = 0; depth < 200_000; depth++) value = [value]
    assert.equal(findLoneSurrogate(value), '/0'.repeat(200_000))
  })

  test('assertNoLoneSurrogate throws E_VALIDATION with the issue', () => {
    assert.throws(
      () => assertNoLoneSurrogate({ content: 'a\ud800' }, 'params', '/params'),
      (error) =>
        error instanceof HubError &&
        error.code === 'E_VALIDATION' &&
        error.details?.issues?.[0]?.path === '/params/content',
    )
    assert.doesNotThrow(() => assertNoLoneSurrogate({ content: 'fine' }, 'params'))
  })
})
