import assert from 'node:assert/strict'
import { test } from 'node:test'
import { wholeNumberFlag } from './number-flag.ts'

test('decimal digits within the range are read; anything Number() would bend is refused', () => {
  const port = { min: 0, max: 65535 }
  assert.equal(wholeNumberFlag('0', '--port', port), 0)
  assert.equal(wholeNumberFlag('8080', '--port', port), 8080)
  for (const value of [
    '0x10',
    '1e3',
    ' 80',
    '',
    '-1',
    '1.5',
    '65536',
    '1e999',
    'Infinity',
    '99999999999999999999',
  ]) {
    assert.throws(
      () => wholeNumberFlag(value, '--port', port),
      (error: Error & { code?: string }) =>
        error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' &&
        error.message === `--port must be a whole number from 0 to 65535, got ${JSON.stringify(value)}`,
      value,
    )
  }
})
