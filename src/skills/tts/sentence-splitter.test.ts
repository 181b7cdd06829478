import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { SentenceSplitter, sentencesOf } from './sentence-splitter.ts'

function streamed(text: string, cuts: number[], maxChars?: number): string[] {
  const splitter = new SentenceSplitter(maxChars)
  const sentences: string[] = []
  let from = 0
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    sentences.push(...splitter.push(text.slice(from, cut)))
    from = cut
  }
  sentences.push(...splitter.push(text.slice(from)))
  return [...sentences, ...splitter.end()]
}

test('a sentence is handed out once the space after its end mark arrives, not before', () => {
  const splitter = new SentenceSplitter()
  assert.deepEqual(splitter.push('It is 3.'), [])
  assert.deepEqual(splitter.push('5 degrees'), [], 'a decimal point is no end')
  assert.deepEqual(splitter.push('. Sunny'), ['It is 3.5 degrees.'])
  assert.deepEqual(splitter.push('!\n'), [], 'the line break may grow')
  assert.deepEqual(splitter.push('\nDone'), ['Sunny!'])
  assert.deepEqual(splitter.end(), ['Done'])
})

test('a long sentence without end marks streams in pieces of at most maxChars', () => {
  const splitter = new SentenceSplitter(20)
  const pieces = splitter.push(`${'word '.repeat(12)}`)
  assert.ok(pieces.length >= 2 && pieces.every((piece) => piece.length <= 20), JSON.stringify(pieces))
})

test('streamed in any pieces, the sentences are those of the whole text', () => {
  const alphabet = fc.constantFrom('a', 'b', ' ', '.', '!', '?', ';', ':', '\n', '3', 'é', ',')
  fc.assert(
    fc.property(
      fc.string({ unit: alphabet, maxLength: 120 }),
      fc.array(fc.nat({ max: 120 }), { maxLength: 12 }),
      fc.constantFrom(undefined, 7, 20),
      (text, cuts, maxChars) => {
        assert.deepEqual(streamed(text, cuts, maxChars), sentencesOf(text, maxChars))
      },
    ),
    { numRuns: 500 },
  )
})
