import assert from 'node:assert/strict'
import { test } from 'node:test'
import { extractFacts, summarizeTurn } from './extract-facts.ts'

const texts = (input: string): string[] => extractFacts(input).map((fact) => fact.text)

test('extracts names, places, work, likes, dislikes and notes', () => {
  assert.deepEqual(texts('Hi! My name is Ada Lovelace.'), ["The user's name is Ada Lovelace."])
  assert.deepEqual(texts('call me ada'), ["The user's name is ada."])
  assert.deepEqual(texts('I live in Vienna. I work at the observatory.'), [
    'The user lives in Vienna.',
    'The user works the observatory.',
  ])
  assert.deepEqual(texts('I really like green tea'), ['The user likes green tea.'])
  assert.deepEqual(texts("I don't like loud music!"), ['The user dislikes loud music.'])
  assert.deepEqual(texts('Please remember that the wifi code is 1234, and I change it monthly.'), [
    'The user asked to remember: the wifi code is 1234, and I change it monthly.',
  ])
})

test('several facts in one sentence, split at a new first-person clause', () => {
  const facts = extractFacts('My name is Ada and I like tea, I live in Paris')
  assert.deepEqual(
    facts.map((fact) => [fact.kind, fact.key]),
    [
      ['name', 'name'],
      ['preference', 'preference:tea'],
      ['location', 'location'],
    ],
  )
})

test('questions and ordinary sentences state no facts', () => {
  assert.deepEqual(texts('What is my name?'), [])
  assert.deepEqual(texts('Do you like jazz?'), [])
  assert.deepEqual(texts('The weather is nice today. Tell me a joke.'), [])
  assert.deepEqual(texts(''), [])
})

test('a later statement with the same key replaces the earlier one', () => {
  const facts = extractFacts('I like jazz. I hate jazz.')
  assert.equal(facts.length, 1)
  assert.equal(facts[0]!.text, 'The user dislikes jazz.')
})

test('hostile input: huge, binary and pathological text stays bounded and fast', () => {
  const started = performance.now()
  const huge = `remember that ${'a'.repeat(200_000)}`
  const [note] = extractFacts(huge)
  assert.ok(note!.text.length <= 300)
  extractFacts('I like '.repeat(20_000))
  extractFacts('\u0000\uFFFF\uD800 my name is \u0000')
  extractFacts(', and i'.repeat(10_000))
  assert.ok(performance.now() - started < 2000)
})

test('summaries are the first sentence of each side, cut to 160 characters', () => {
  assert.equal(
    summarizeTurn('Book a table for two. Thanks!', 'Done: 7 pm at Luigi’s. Anything else?'),
    'User said: Book a table for two. — Assistant answered: Done: 7 pm at Luigi’s.',
  )
  const long = summarizeTurn('x'.repeat(1000), '')
  assert.equal(long, `User said: ${'x'.repeat(159)}…`)
  assert.equal(summarizeTurn('', 'Hello.'), 'Assistant said: Hello.')
})
