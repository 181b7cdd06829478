import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  compileFailurePatterns,
  DEFAULT_BUILD_FAILURE_PATTERNS,
  failureOf,
} from './build-failure-patterns.ts'

const patterns = compileFailurePatterns(DEFAULT_BUILD_FAILURE_PATTERNS)

test('the default patterns find failures and their exit codes, and leave success alone', () => {
  const cases: [string, number | undefined | 'none'][] = [
    ['Process exited with code 2', 2],
    ['exit status 1', 1],
    ['error Command failed with exit code 3.', 3],
    ['make[1]: *** [Makefile:9: test] Error 2', 2],
    ['npm ERR! errno 127', 127],
    ['npm ERR! code ELIFECYCLE', undefined],
    ['npm error code 1', 1],
    ['BUILD FAILED in 2s', undefined],
    ['[ERROR] BUILD FAILURE', undefined],
    ['FAILED tests/test_app.py::test_login', undefined],
    ['exited with code 0', 'none'],
    ['all 12 tests passed', 'none'],
    ['it FAILED to be interesting', 'none'],
  ]
  for (const [line, expected] of cases) {
    const found = failureOf(line, patterns)
    if (expected === 'none') assert.equal(found, undefined, line)
    else assert.deepEqual(found, { exitCode: expected }, line)
  }
})

test('patterns of the manifest replace the defaults; a bad one is a validation error', () => {
  const own = compileFailurePatterns([String.raw`^ERROR: build (\d+)`])
  assert.deepEqual(failureOf('ERROR: build 5', own), { exitCode: 5 })
  assert.equal(failureOf('npm ERR! code ELIFECYCLE', own), undefined)
  assert.throws(() => compileFailurePatterns(['(']), { code: 'E_VALIDATION' })
})
