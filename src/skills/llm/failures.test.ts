import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { httpStatusFailure, networkFailure, parseServerError, retryAfterMs } from './failures.ts'
import { ollamaTarget } from './ollama-provider.ts'

const target = ollamaTarget('http://127.0.0.1:11434')

describe('server error bodies', () => {
  test('reads both the Ollama and the OpenAI shape', () => {
    assert.deepEqual(parseServerError('{"error":"model \\"x\\" not found"}'), {
      message: 'model "x" not found',
    })
    assert.deepEqual(parseServerError('{"error":{"message":"m","type":"t","code":429}}'), {
      message: 'm',
      type: 't',
      code: '429',
    })
  })

  test('hostile or odd bodies give undefined, never throw', () => {
    for (const body of [
      '',
      'null',
      '[]',
      '{"error":{"message":1}}',
      '{"error":null}',
      '\u0000\u00ff',
      '{"__proto__":{"error":"x"}}',
    ]) {
      assert.equal(parseServerError(body), undefined, body)
    }
  })

  test('a non-JSON body is quoted (shortened) in the message', () => {
    const error = httpStatusFailure(502, `<html>${'x'.repeat(5000)}</html>`, target, 'm')
    assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.ok(error.message.length < 400)
    assert.equal(error.details?.retryable, true)
  })

  test('status codes map to error codes', () => {
    const codes = [400, 401, 404, 413, 429, 408, 500, 418].map(
      (status) => httpStatusFailure(status, '', target, 'm').code,
    )
    assert.deepEqual(codes, [
      'E_BAD_REQUEST',
      'E_DEPENDENCY_UNAVAILABLE',
      'E_DEPENDENCY_UNAVAILABLE',
      'E_RESOURCE_LIMIT',
      'E_RESOURCE_LIMIT',
      'E_TIMEOUT',
      'E_DEPENDENCY_UNAVAILABLE',
      'E_IO',
    ])
  })

  test('Retry-After in seconds only', () => {
    assert.equal(retryAfterMs('5'), 5000)
    assert.equal(retryAfterMs(['2']), 2000)
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT'), undefined)
    assert.equal(retryAfterMs('-1'), undefined)
    assert.equal(retryAfterMs(undefined), undefined)
  })

  test('socket errors: refused is unreachable and not retryable, reset is a retryable disconnect', () => {
    const refused = networkFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), target)
    assert.equal(refused.details?.reason, 'unreachable')
    assert.equal(refused.details?.retryable, false)
    const reset = networkFailure(Object.assign(new Error('x'), { code: 'ECONNRESET' }), target)
    assert.equal(reset.details?.reason, 'disconnect')
    assert.equal(reset.details?.retryable, true)
    assert.equal(networkFailure('weird', target).code, 'E_IO')
  })
})
