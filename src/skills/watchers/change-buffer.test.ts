import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../../../test/kit/manual-clock.ts'
import { ChangeBuffer, type FileChange } from './change-buffer.ts'

function buffer(maxPendingPaths = 100) {
  const clock = new ManualClock(Date.UTC(2026, 11, 5, 9))
  const changes: FileChange[] = []
  const changeBuffer = new ChangeBuffer({
    clock,
    debounceMs: 300,
    maxPendingPaths,
    stormSummaryEveryMs: 5_000,
    emit: (change) => changes.push(change),
  })
  return { clock, changes, changeBuffer }
}

describe('change buffer', () => {
  test('reports a path once it has been quiet for the debounce, not before', () => {
    const { clock, changes, changeBuffer } = buffer()
    changeBuffer.add('notes/a.md', 'modify')
    clock.advance(200)
    changeBuffer.add('notes/a.md', 'modify')
    clock.advance(299)
    assert.equal(changes.length, 0)
    clock.advance(1)
    assert.deepEqual(
      changes.map((change) => [change.path, change.kind]),
      [['notes/a.md', 'modify']],
    )
  })

  test('merges the kinds within a debounce the way a person would read them', () => {
    const { clock, changes, changeBuffer } = buffer()
    changeBuffer.add('created.txt', 'create')
    changeBuffer.add('created.txt', 'modify')
    changeBuffer.add('temp.txt', 'create')
    changeBuffer.add('temp.txt', 'delete')
    changeBuffer.add('replaced.txt', 'delete')
    changeBuffer.add('replaced.txt', 'create')
    clock.advance(300)
    assert.deepEqual(changes.map((change) => [change.path, change.kind]).sort(), [
      ['created.txt', 'create'],
      ['replaced.txt', 'modify'],
    ])
  })

  test('a storm becomes one summary with the count and common folder; memory stays bounded', () => {
    const { clock, changes, changeBuffer } = buffer(100)
    for (let index = 0; index < 50_000; index++) {
      changeBuffer.add(`repo/src/module-${index % 500}/file-${index}.ts`, 'create')
      assert.ok(changeBuffer.pendingPaths <= 100)
      if (index % 1000 === 0) clock.advance(10)
    }
    assert.equal(changeBuffer.inStorm, true)
    assert.ok(clock.pendingTimers <= 2, 'a storm holds two timers, not one per path')
    clock.advance(300)
    assert.equal(changes.length, 1)
    assert.equal(changes[0]!.path, 'repo/src')
    assert.deepEqual(changes[0]!.summary, { count: 50_000 })
    // After the storm, single changes are reported one by one again.
    changeBuffer.add('repo/README.md', 'modify')
    clock.advance(300)
    assert.deepEqual(changes[1], { path: 'repo/README.md', kind: 'modify', ts: changes[1]!.ts })
  })

  test('a storm that never goes quiet is still summarised every few seconds, and nothing is lost', () => {
    const { clock, changes, changeBuffer } = buffer(10)
    for (let step = 0; step < 200; step++) {
      for (let index = 0; index < 20; index++) changeBuffer.add(`a/${step}-${index}`, 'modify')
      clock.advance(100)
    }
    clock.advance(300)
    assert.ok(
      changes.length >= 4 && changes.length <= 5,
      `one summary per 5 s of a 20 s storm, got ${changes.length}`,
    )
    assert.ok(changes.every((change) => change.summary !== undefined && change.path === 'a'))
    assert.equal(
      changes.reduce((sum, change) => sum + (change.summary?.count ?? 0), 0),
      4000,
    )
  })
})
