import assert from 'node:assert/strict'
import { test } from 'node:test'
import { engineChoiceHealth } from './engine-health.ts'

const ENGINES = ['flite', 'wyoming'] as const

test('an unknown engine or a Wyoming engine without a usable uri is unavailable, with why', () => {
  assert.match(
    engineChoiceHealth('xtts', ENGINES, undefined)?.reason ?? '',
    /engine xtts is not built in; use flite, wyoming/,
  )
  assert.match(engineChoiceHealth('wyoming', ENGINES, undefined)?.reason ?? '', /needs config uri/)
  assert.equal(engineChoiceHealth('wyoming', ENGINES, 'http://host:1')?.state, 'unavailable')
  assert.deepEqual(engineChoiceHealth('wyoming', ENGINES, 'tcp://127.0.0.1:10200'), { state: 'ready' })
  assert.equal(engineChoiceHealth('flite', ENGINES, undefined), undefined, 'local engines check themselves')
})
