import assert from 'node:assert/strict'
import { test } from 'node:test'
import { heardText } from './heard-text.ts'

const ANSWER = [
  { text: 'It is three o clock.', startMs: 0, durationMs: 1000 },
  { text: 'The weather is sunny today.', startMs: 1000, durationMs: 2000 },
  { text: 'Bye.', startMs: 3000, durationMs: 400 },
]

test('sentences played to their end are heard whole; none before any audio played', () => {
  assert.equal(heardText(ANSWER, 0), '')
  assert.equal(heardText(ANSWER, 1000), 'It is three o clock.')
  assert.equal(heardText(ANSWER, 3400), 'It is three o clock. The weather is sunny today. Bye.')
  assert.equal(heardText(ANSWER, 99_999), 'It is three o clock. The weather is sunny today. Bye.')
})

test('the sentence playing at the cut keeps its played share of characters, back to a whole word', () => {
  // Half of "The weather is sunny today." is 13 characters: "The weather i|s" → "The weather".
  assert.equal(heardText(ANSWER, 2000), 'It is three o clock. The weather')
  // A cut inside the first word keeps nothing of that sentence.
  assert.equal(heardText(ANSWER, 1050), 'It is three o clock.')
  // A cut that falls on a space keeps the words before it.
  assert.equal(heardText([{ text: 'ab cd', startMs: 0, durationMs: 500 }], 200), 'ab')
})
