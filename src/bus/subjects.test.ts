import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  compileTypePattern,
  hubSubjectPrefix,
  subjectMatches,
  subjectOf,
  validatePattern,
} from './subjects.ts'

test('NATS wildcard semantics', () => {
  const cases: [string, string, boolean][] = [
    ['chat.*', 'chat.query', true],
    ['chat.*', 'chat.query.extra', false],
    ['chat.*', 'chat', false],
    ['chat.>', 'chat.query.extra', true],
    ['chat.>', 'chat', false],
    ['>', 'anything.at.all', true],
    ['*.query', 'chat.query', true],
    ['*.*.partial', 'voice.asr.partial', true],
    ['chat.query', 'chat.query', true],
    ['chat.query', 'chat.queryx', false],
  ]
  for (const [pattern, subject, expected] of cases) {
    assert.equal(subjectMatches(pattern, subject), expected, `${pattern} ~ ${subject}`)
    assert.equal(compileTypePattern(pattern)(subject), expected, `compiled ${pattern} ~ ${subject}`)
  }
})

test('bad patterns and hub ids are refused', () => {
  for (const bad of ['', 'a..b', '.a', 'a.', 'a.>.b', 'a*', 'a.b>', 'a b', 'x'.repeat(501), 42, null]) {
    assert.throws(() => validatePattern(bad), { code: 'E_BAD_REQUEST' }, JSON.stringify(bad))
  }
  assert.equal(subjectOf(hubSubjectPrefix('kitchen'), 'chat.query'), 'hub.kitchen.chat.query')
  assert.throws(() => hubSubjectPrefix('a.b'), { code: 'E_BAD_REQUEST' })
})
