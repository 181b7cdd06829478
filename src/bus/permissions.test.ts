import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPermissionChecker, patternCovers } from './permissions.ts'

test('a granted pattern covers a requested one only when every match of it matches', () => {
  const cases: [string, string, boolean][] = [
    ['>', 'chat.*', true],
    ['chat.>', 'chat.*', true],
    ['chat.>', 'chat.>', true],
    ['chat.*', 'chat.>', false],
    ['chat.*', 'chat.query', true],
    ['chat.query', 'chat.*', false],
    ['chat.>', 'chat', false],
    ['*.query', 'chat.query', true],
    ['chat.*', 'chat.query.x', false],
  ]
  for (const [outer, inner, expected] of cases)
    assert.equal(patternCovers(outer, inner), expected, `${outer} ⊇ ${inner}`)
})

test('unknown principals and prototype names get nothing', () => {
  const checker = createPermissionChecker({ skill: { publish: ['note.*'], subscribe: ['note.>'] } })
  checker.checkPublish('skill', 'note.added')
  assert.throws(() => checker.checkPublish('skill', 'chat.query'), { code: 'E_PERMISSION_REQUIRED' })
  for (const principal of ['__proto__', 'constructor', 'toString', 'other']) {
    assert.throws(() => checker.checkPublish(principal, 'note.added'), { code: 'E_PERMISSION_REQUIRED' })
  }
})
