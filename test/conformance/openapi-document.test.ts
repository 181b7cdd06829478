// Issue 20: the OpenAPI document a real hub serves at /openapi.json is valid OpenAPI 3.1 (checked by
// a real validator), covers every HTTP route the hub registered, and docs/openapi.json is exactly it.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { OPENAPI_FILE } from '../../scripts/gen-openapi.ts'
import { type HubWithWorkspace, type Json, openHubWithWorkspace } from '../hostile/hub-with-workspace.ts'

describe('the OpenAPI document', { timeout: 60_000 }, () => {
  let fixture: HubWithWorkspace
  let served: Json

  before(async () => {
    fixture = await openHubWithWorkspace('localhub-openapi-doc-')
    const answer = await fixture.call('GET', '/openapi.json')
    assert.equal(answer.status, 200)
    served = answer.body
  })
  after(() => fixture?.close())

  test('validates as OpenAPI 3.1 with @seriousme/openapi-schema-validator', async () => {
    const result = await new Validator().validate(served)
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2))
    assert.equal(served.openapi, '3.1.0')
  })

  test('a broken copy is refused by the same validator (the check can fail)', async () => {
    const broken = structuredClone(served)
    broken.paths['/chat'].post.responses = 'none'
    assert.equal((await new Validator().validate(broken)).valid, false)
  })

  test('docs/openapi.json is the served document (npm run gen:openapi regenerates it)', () => {
    assert.deepEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')), served)
  })

  test('lists the kernel, hub, skill and compat routes, and WebSocket routes apart', () => {
    for (const [path, method] of [
      ['/chat', 'post'],
      ['/events', 'get'],
      ['/events', 'post'],
      ['/tools/{name}', 'post'],
      ['/memory/forget', 'post'],
      ['/timers/{id}/run', 'post'],
      ['/v1/chat/completions', 'post'],
      ['/api/generate', 'post'],
      ['/mcp', 'post'],
    ] as const) {
      assert.ok(served.paths[path]?.[method], `${method} ${path} is documented`)
    }
    assert.ok(served['x-websocket-routes'].includes('/ws/events'))
    assert.equal(served.paths['/openapi.json'], undefined, 'the document does not describe itself')
  })

  test('schema refusals are documented with the error envelope, compat with its dialect', () => {
    const refused = served.paths['/memory/forget'].post.responses['4XX'].content['application/json'].schema
    assert.deepEqual(refused, { $ref: '#/components/schemas/ErrorEnvelope' })
    const openAi = served.paths['/v1/models'].get.responses['4XX'].content['application/json'].schema
    assert.ok(openAi.properties.error.properties.type, 'OpenAI error shape')
  })
})
