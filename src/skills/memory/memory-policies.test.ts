import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HubError } from '../../contracts/index.ts'
import { checkMemoryPolicies } from './skill-module.ts'

test('memory policies: what the skill does is accepted, anything else refused rather than ignored', () => {
  checkMemoryPolicies(undefined)
  checkMemoryPolicies({ writeOn: ['turn.end'], retention: 'user-controlled' })
  for (const [policies, pattern] of [
    [{ writeOn: ['memory.write'] }, /writeOn.*only value is \[turn\.end\]/],
    [{ writeOn: 'turn.end' }, /writeOn/],
    [{ writeOn: ['turn.end', 'chat.message'] }, /writeOn/],
    [{ retention: '30 days' }, /retention.*maxAgeDays.*"user-controlled"/],
  ] as const)
    assert.throws(
      () => checkMemoryPolicies(policies),
      (error: unknown) =>
        error instanceof HubError && error.code === 'E_VALIDATION' && pattern.test(error.message),
    )
})
