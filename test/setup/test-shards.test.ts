// The shard planner of scripts/run-tests.ts: recorded seconds balance the shards, a file never
// recorded weighs the median, and the record survives a round trip (slowest first).
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { defaultSeconds, planShards, readDurations, writeDurations } from '../../scripts/test-shards.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

test('longest first onto the least-loaded shard: two shards finish within the smallest file', () => {
  const seconds = { a: 90, b: 60, c: 50, d: 40, e: 30, f: 20, g: 10 }
  const plan = planShards(Object.keys(seconds), seconds, 2)
  assert.deepEqual(
    plan.map((shard) => shard.seconds),
    [150, 150],
  )
  assert.deepEqual(plan.flatMap((shard) => shard.files).sort(), Object.keys(seconds).sort())
  // Round robin by position (the old plan) would put a, c, e, g (180) against b, d, f (120).
  const robin = [0, 1].map((index) =>
    Object.values(seconds)
      .filter((_, position) => position % 2 === index)
      .reduce((sum, value) => sum + value, 0),
  )
  assert.deepEqual(robin, [180, 120])
})

test('a new file weighs the median of the recorded ones; with no record every file weighs 1', () => {
  assert.equal(defaultSeconds({ a: 1, b: 3, c: 100 }), 3)
  assert.equal(defaultSeconds({ a: 1, b: 3, c: 5, d: 100 }), 4)
  assert.equal(defaultSeconds({}), 1)
  const plan = planShards(['new-one', 'a', 'b', 'c'], { a: 1, b: 3, c: 100 }, 2)
  assert.deepEqual(
    plan.map((shard) => shard.seconds),
    [100, 7],
  )
  assert.deepEqual(
    planShards(['x', 'y', 'z'], {}, 3).map((shard) => shard.files),
    [['x'], ['y'], ['z']],
  )
})

test('the plan is the same whatever order the files come in', () => {
  const seconds = { a: 5, b: 5, c: 5, d: 5 }
  assert.deepEqual(planShards(['d', 'c', 'b', 'a'], seconds, 2), planShards(['a', 'b', 'c', 'd'], seconds, 2))
})

test('the record is written slowest first and read back; a broken record reads as empty', (t) => {
  const dir = makeTempDir()
  t.after(dir.remove)
  const path = join(dir.path, 'durations.json')
  writeDurations(path, { 'fast.test.ts': 0.44, 'slow.test.ts': 12.345 }, new Date('2026-01-01T00:00:00Z'))
  const written = JSON.parse(readFileSync(path, 'utf8')) as {
    seconds: Record<string, number>
    recorded: string
  }
  assert.deepEqual(Object.keys(written.seconds), ['slow.test.ts', 'fast.test.ts'])
  assert.equal(written.recorded, '2026-01-01T00:00:00.000Z')
  assert.deepEqual(readDurations(path), { 'slow.test.ts': 12.3, 'fast.test.ts': 0.4 })
  assert.deepEqual(readDurations(join(dir.path, 'missing.json')), {})
  writeFileSync(path, '{"seconds": {"a.test.ts": 2, "b.test.ts": -1, "c.test.ts": "3"}}')
  assert.deepEqual(readDurations(path), { 'a.test.ts': 2 })
  writeFileSync(path, '{"seconds": {"a.test.ts": 2')
  assert.deepEqual(readDurations(path), {})
})
