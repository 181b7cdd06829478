// Runs the Python skill host's unit tests (python3 -m unittest) under node:test, so `npm test` runs
// them, and checks that Python and TypeScript write the same canonical JSON (manifest_hash).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import fc from 'fast-check'
import { manifestHash } from '../../../src/frames/index.ts'
import { REPO_ROOT } from '../../kit/child-process.ts'

test('python3 -m unittest: the localhub_skill unit tests pass', () => {
  const run = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'python/tests', '-t', 'python'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.equal(run.status, 0, `unittest failed:\n${run.stderr.slice(-4000)}`)
  const ran = /Ran (\d+) tests?/.exec(run.stderr)
  assert.ok(
    ran !== null && Number(ran[1]) >= 30,
    `expected the whole suite to run: ${run.stderr.slice(-300)}`,
  )
})

test('Python and TypeScript compute the same manifest_hash (canonical JSON) for any JSON value', () => {
  const values = fc.sample(
    fc
      .jsonValue({ maxDepth: 4, stringUnit: 'binary' })
      .filter((value) => JSON.stringify(value) !== undefined),
    { numRuns: 300, seed: 1810 },
  )
  const script = [
    'import json, sys',
    'from localhub_skill import manifest_hash',
    'for line in sys.stdin:',
    '    print(manifest_hash([json.loads(line)]))',
  ].join('\n')
  const run = spawnSync('python3', ['-c', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, PYTHONPATH: 'python' },
    input: `${values.map((value) => JSON.stringify(value)).join('\n')}\n`,
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(run.status, 0, run.stderr)
  const fromPython = run.stdout.trim().split('\n')
  assert.equal(fromPython.length, values.length)
  for (const [index, value] of values.entries()) {
    assert.equal(fromPython[index], manifestHash([value]), JSON.stringify(value))
  }
})
