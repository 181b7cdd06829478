import assert from 'node:assert/strict'
import { test } from 'node:test'
import { prefersNdjson } from './accept-header.ts'

test('NDJSON is chosen only when the Accept header prefers it by q-value', () => {
  const cases: Array<[string | string[] | undefined, boolean]> = [
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['application/json', false],
    ['application/x-ndjson', true],
    ['Application/NDJSON', true],
    ['application/x-ndjson;q=0', false],
    ['application/x-ndjson; q=0.0', false],
    ['application/json, application/x-ndjson;q=0.1', false],
    ['application/x-ndjson, application/json', true],
    ['application/x-ndjson;q=0.5, */*;q=0.1', true],
    ['application/json;q=0.2, application/ndjson;q=0.9', true],
    ['application/x-ndjson;q=0.5, application/json;q=0.5', true],
    [['application/json', 'application/x-ndjson;q=0.3'], false],
    ['application/x-ndjsonx', false],
  ]
  for (const [accept, expected] of cases)
    assert.equal(prefersNdjson(accept), expected, JSON.stringify(accept))
})
