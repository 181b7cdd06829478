// Issue 11, "Tools and routes": requests an attacker (or a typo) would send, against a real hub.
// Each case was answered wrongly before: served, 500, 422 instead of 415, or all memory erased.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { openMemoryStore } from '../../src/skills/memory/index.ts'
import { type HubWithWorkspace, type Json, openHubWithWorkspace } from './hub-with-workspace.ts'

describe('hostile requests to the routes', { timeout: 60_000 }, () => {
  let fixture: HubWithWorkspace

  before(async () => {
    fixture = await openHubWithWorkspace('localhub-hostile-routes-')
  })
  after(() => fixture?.close())

  test('two Host headers answer 400, as do two Authorization headers; one of each is served', async () => {
    const host = new URL(fixture.hub.url).host
    const request = (headers: string) =>
      fixture.raw(`GET /sessions HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`)
    assert.equal(await request(`Host: ${host}\r\nAuthorization: Bearer TOKEN\r\n`), 200)
    assert.equal(await request(`Host: ${host}\r\nHost: evil.example\r\nAuthorization: Bearer TOKEN\r\n`), 400)
    assert.equal(await request(`Host: ${host}\r\nhost: ${host}\r\nAuthorization: Bearer TOKEN\r\n`), 400)
    assert.equal(
      await request(`Host: ${host}\r\nAuthorization: Bearer TOKEN\r\nAuthorization: Bearer wrong\r\n`),
      400,
    )
  })

  test('POST /chat with text/plain answers 415, as documented, before the body is looked at', async () => {
    const plain = await fixture.call('POST', '/chat', 'hello', { 'content-type': 'text/plain' })
    assert.equal(plain.status, 415, JSON.stringify(plain.body))
    assert.equal(plain.body.error.code, 'E_BAD_REQUEST')
    const json = await fixture.call('POST', '/chat', { text: 'x', extra: 1 })
    assert.equal(json.status, 422, 'JSON bodies are still validated field by field')
  })

  test('a /chat text past 32000 characters answers 413 E_RESOURCE_LIMIT, not 500', async () => {
    for (const stream of [false, true]) {
      const long = await fixture.call('POST', '/chat', { text: 'x'.repeat(32_001), stream })
      assert.equal(long.status, 413, JSON.stringify(long.body))
      assert.equal(long.body.error.code, 'E_RESOURCE_LIMIT')
      assert.equal(long.body.error.message, 'chat text is longer than 32000 characters')
    }
    const fits = await fixture.call('POST', '/chat', { text: 'x'.repeat(32_000), stream: false })
    assert.notEqual(fits.body.error?.code, 'E_RESOURCE_LIMIT')
  })

  test('lone surrogates in /chat text answer 422 E_VALIDATION with the pointer, not 500', async () => {
    for (const [body, pointer] of [
      ['{"text":"x\\ud800y"}', '/text'],
      ['{"text":"ok","sessionId":"\\udc00"}', '/sessionId'],
      ['{"text":"tail \\ud83d"}', '/text'],
    ] as const) {
      const answer = await fixture.call('POST', '/chat', body)
      assert.equal(answer.status, 422, `${body}: ${JSON.stringify(answer.body)}`)
      assert.equal(answer.body.error.code, 'E_VALIDATION')
      assert.equal(answer.body.error.details.issues[0].path, pointer)
    }
    const paired = await fixture.call('POST', '/chat', '{"text":"\\ud83d\\ude00","extra":1}')
    assert.equal(paired.status, 422)
    assert.equal(paired.body.error.details.issues[0].path, '/extra', 'a proper pair is text like any other')
  })

  test('POST /events refuses an event with a lone surrogate, with the pointer, and keeps the others', async () => {
    const good = '{"type":"ui.command","payload":{"command":"ok"}}'
    const bad = '{"type":"ui.command","payload":{"command":"x\\ud800"}}'
    const answer = await fixture.call('POST', '/events', `${good}\n${bad}\n`, {
      'content-type': 'application/x-ndjson',
    })
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    // NDJSON in, NDJSON out: one result envelope per line.
    const results = String(answer.body)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    assert.equal(results[0].ok, true, JSON.stringify(results))
    assert.equal(results[1].ok, false)
    assert.equal(results[1].error.code, 'E_VALIDATION')
    assert.equal(results[1].error.details.issues[0].path, '/payload/command')
  })

  test('a grant for a folder outside every workspace root is refused; inside one it is made', async () => {
    const outside = await fixture.call('POST', '/grants', { scope: { pathPrefix: fixture.outside } })
    assert.equal(outside.status, 403, JSON.stringify(outside.body))
    assert.equal(outside.body.error.code, 'E_PERMISSION_REQUIRED')
    for (const pathPrefix of ['../outside', `${fixture.workspace}/../outside`, '/etc']) {
      const escaped = await fixture.call('POST', '/grants', { scope: { pathPrefix } })
      assert.equal(escaped.status, 403, `${pathPrefix}: ${JSON.stringify(escaped.body)}`)
    }
    const grants = await fixture.call('GET', '/grants?all=true')
    assert.deepEqual(grants.body.data.grants, [], 'no refused grant was stored')
    const inside = await fixture.call('POST', '/grants', { scope: { pathPrefix: 'docs' } })
    assert.equal(inside.status, 200, JSON.stringify(inside.body))
    assert.equal(inside.body.data.grant.pathPrefix, join(fixture.workspace, 'docs'))
    const root = await fixture.call('POST', '/grants', { scope: { pathPrefix: fixture.workspace } })
    assert.equal(root.status, 200, 'the root itself is inside')
  })
})

describe('POST /memory/forget forgets only what it is told to', { timeout: 60_000 }, () => {
  let fixture: HubWithWorkspace

  before(async () => {
    fixture = await openHubWithWorkspace('localhub-hostile-memory-', (dataDir) => {
      const memory = openMemoryStore({ path: join(dataDir, 'memory.sqlite') })
      for (const sessionId of ['m1', 'm2'])
        memory.recordTurn({ sessionId, userText: `hello from ${sessionId}`, assistantText: 'hi' })
      memory.close()
    })
  })
  after(() => fixture?.close())

  const sessions = async (): Promise<string[]> => {
    const listed = await fixture.call('GET', '/memory')
    assert.equal(listed.status, 200)
    return [...new Set<string>(listed.body.data.map((entry: Json) => entry.sessionId))].sort()
  }

  test('typos, null, unknown fields and empty bodies are refused with a pointer; nothing is deleted', async () => {
    assert.deepEqual(await sessions(), ['m1', 'm2'])
    for (const [body, pointer] of [
      ['{"session_id":"m1"}', '/session_id'],
      ['null', ''],
      ['{"a":1}', '/a'],
      ['{}', ''],
      ['[]', ''],
      ['{"all":false}', '/all'],
      ['{"all":"yes"}', '/all'],
      ['{"sessionId":""}', '/sessionId'],
      ['{"sessionId":"m1","all":true}', '/all'],
    ] as const) {
      const answer = await fixture.call('POST', '/memory/forget', body)
      assert.equal(answer.status, 422, `${body}: ${JSON.stringify(answer.body)}`)
      assert.equal(answer.body.error.code, 'E_VALIDATION')
      assert.equal(answer.body.error.details.issues[0].path, pointer, body)
    }
    const bodiless = await fixture.call('POST', '/memory/forget')
    assert.ok(bodiless.status >= 400 && bodiless.status < 500, JSON.stringify(bodiless.body))
    assert.deepEqual(await sessions(), ['m1', 'm2'], 'a refused request erased nothing')
  })

  test('{"sessionId"} forgets one session; only {"all": true} forgets everything', async () => {
    const one = await fixture.call('POST', '/memory/forget', { sessionId: 'm1' })
    assert.equal(one.status, 200, JSON.stringify(one.body))
    assert.deepEqual(await sessions(), ['m2'])
    const all = await fixture.call('POST', '/memory/forget', { all: true })
    assert.equal(all.status, 200, JSON.stringify(all.body))
    assert.deepEqual(await sessions(), [])
  })
})
