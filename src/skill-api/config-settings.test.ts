import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HubError } from '../contracts/index.ts'
import { booleanSetting } from './config-settings.ts'

test('a boolean setting takes true or false, defaults when absent, and refuses anything else', () => {
  assert.equal(booleanSetting(undefined, true, 'pacing'), true)
  assert.equal(booleanSetting(null, false, 'render'), false)
  assert.equal(booleanSetting(false, true, 'pacing'), false)
  assert.equal(booleanSetting(true, false, 'render'), true)
  for (const value of ['no', 'false', 'yes', 0, 1, [], {}])
    assert.throws(
      () => booleanSetting(value, true, 'skill.voice.tts config pacing'),
      (error: unknown) =>
        error instanceof HubError &&
        error.code === 'E_VALIDATION' &&
        /pacing must be true or false/.test(error.message),
    )
})
