import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { DEFAULT_MAX_QUERY_TERMS, queryTerms, toFtsMatchExpression } from './fts-query.ts'

const database = new Database(':memory:')
after(() => database.close())
database.exec("CREATE VIRTUAL TABLE docs USING fts5(body, title, tokenize = 'unicode61 remove_diacritics 2')")
database.prepare('INSERT INTO docs (body, title) VALUES (?, ?)').run('near the river and the forest', 'Notes')
database
  .prepare('INSERT INTO docs (body, title) VALUES (?, ?)')
  .run('Crème brûlée recipe, 日本語 text', 'Food')

function match(query: string): string[] {
  const expression = toFtsMatchExpression(query)
  if (expression === undefined) return []
  return database
    .prepare('SELECT title FROM docs WHERE docs MATCH ? ORDER BY bm25(docs)')
    .pluck()
    .all(expression) as string[]
}

describe('toFtsMatchExpression', () => {
  test('quotes every term and joins them with OR', () => {
    assert.equal(toFtsMatchExpression('River  forest'), '"river" OR "forest"')
    assert.deepEqual(match('river'), ['Notes'])
    assert.deepEqual(match('what about the forest?'), ['Notes'])
  })

  test('FTS5 syntax in the query is plain words, never an error', () => {
    const hostile = [
      '"',
      '"""',
      'AND OR NOT',
      'NEAR(',
      'NEAR(river forest, 2)',
      'title:Notes',
      'body : river',
      '*',
      'riv*',
      '^river',
      '(river',
      'river)',
      '{body title}: river',
      '-river',
      '+',
      "'; DROP TABLE docs; --",
      '\u0000\u0001\u0002',
      '\uD800',
      '🙂🙂🙂',
    ]
    for (const query of hostile) assert.doesNotThrow(() => match(query), `query ${JSON.stringify(query)}`)
    assert.deepEqual(match('NEAR(river forest, 2)'), ['Notes'])
    assert.deepEqual(match('title:Notes'), ['Notes'], 'column filter syntax becomes two plain words')
    assert.deepEqual(match('OR NOT'), [], 'operators are words (absent here), not syntax')
    assert.deepEqual(match('AND'), ['Notes'], 'and AND is the word "and"')
    assert.equal(toFtsMatchExpression('*'), undefined)
    assert.equal(toFtsMatchExpression('"'), undefined)
  })

  test('unicode: accents fold and CJK runs are terms', () => {
    assert.deepEqual(match('creme brulee'), ['Food'])
    assert.deepEqual(match('日本語'), ['Food'])
    assert.deepEqual(match('ＲＩＶＥＲ'), ['Notes'], 'full-width letters normalise (NFKC)')
  })

  test('a 100 KB query is cut to a bounded expression', () => {
    const huge = 'river '.repeat(20_000) + Array.from({ length: 5000 }, (_, i) => `t${i}`).join(' ')
    assert.ok(huge.length > 100_000)
    const expression = toFtsMatchExpression(huge)!
    assert.ok(expression.length < 4096)
    assert.deepEqual(match(huge), ['Notes'])
    const distinct = Array.from({ length: 5000 }, (_, i) => `term${i}`).join(' ')
    assert.equal(queryTerms(distinct).length, DEFAULT_MAX_QUERY_TERMS)
  })

  test('property: no string makes FTS5 raise', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (query) => {
        match(query)
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            '"',
            '*',
            ':',
            '(',
            ')',
            'NEAR',
            'AND',
            'OR',
            'NOT',
            '^',
            ' ',
            'x',
            '-',
            '+',
            '{',
            '}',
          ),
        ),
        (parts) => {
          match(parts.join(''))
        },
      ),
      { numRuns: 500 },
    )
  })
})
