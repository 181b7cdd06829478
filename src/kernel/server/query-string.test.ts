import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseQueryString, queryFaultsOf } from './query-string.ts'

describe('parseQueryString', () => {
  test('reads forms: + and %20 are spaces, %2B a plus, repeats an array, a bare name ""', () => {
    const query = parseQueryString('a=x+y&b=x%20y&c=x%2By&d=1&d=2&d=3&e&&=v&f=%E2%82%AC')
    assert.deepEqual(
      { ...query },
      { a: 'x y', b: 'x y', c: 'x+y', d: ['1', '2', '3'], e: '', '': 'v', f: '€' },
    )
    assert.equal(queryFaultsOf(query), undefined)
    assert.deepEqual({ ...parseQueryString('') }, {})
  })

  test('__proto__ and constructor are own names on an object without a prototype', () => {
    const query = parseQueryString('__proto__=1&constructor=2&__proto__[x]=3')
    assert.equal(Object.getPrototypeOf(query), Object.getPrototypeOf(parseQueryString('')))
    assert.equal(Object.hasOwn(query, '__proto__'), true)
    assert.equal(query.constructor, '2')
    assert.equal(({} as Record<string, unknown>).x, undefined)
  })

  test('escapes that do not decode, and NULs, are faults naming the parameter; the text is kept', () => {
    const query = parseQueryString('ok=1&traceId=%ZZ&%E0%A4=v&n=a%00b&x%00=1&s=%ED%A0%80')
    assert.equal(query.traceId, '%ZZ')
    assert.deepEqual(queryFaultsOf(query), [
      { parameter: 'traceId', reason: 'escape', got: '%ZZ' },
      { parameter: '%E0%A4', reason: 'escape', got: '%E0%A4' },
      { parameter: 'n', reason: 'nul', got: 'a%00b' },
      { parameter: 'x\0', reason: 'nul', got: 'x%00' },
      { parameter: 's', reason: 'escape', got: '%ED%A0%80' },
    ])
  })
})
