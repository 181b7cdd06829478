// Bodies whose bytes a route cannot read as sent, against a real hub: before this, bytes that are
// not UTF-8 were stored as U+FFFD (the text silently changed), a gzip body was read as text and its
// binary echoed back in a "not JSON" error, and a JSON body with a byte order mark was "not JSON".
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { type HubWithWorkspace, type Json, openHubWithWorkspace } from './hub-with-workspace.ts'

describe('request bodies whose bytes are not plain UTF-8 text', { timeout: 60_000 }, () => {
  let fixture: HubWithWorkspace

  before(async () => {
    fixture = await openHubWithWorkspace('localhub-hostile-bytes-')
  })
  after(() => fixture?.close())

  const send = async (
    path: string,
    body: Uint8Array | string,
    headers: Record<string, string>,
  ): Promise<{ status: number; text: string; body: Json }> => {
    const response = await fetch(`${fixture.hub.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.hub.token}`, ...headers },
      body,
    })
    const text = await response.text()
    let parsed: Json
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    return { status: response.status, text, body: parsed }
  }
  const event = (command: string) => JSON.stringify({ type: 'ui.command', payload: { command } })
  const withBadBytes = Buffer.concat([
    Buffer.from('{"type":"ui.feedback","payload":{"helpful":true,"target":"a'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('b"},"sessionId":"bytes-1"}'),
  ])
  const stored = async (sessionId: string): Promise<Json[]> =>
    (await fixture.call('GET', `/events?sessionId=${sessionId}`)).body.data

  test('NDJSON: a line that is not UTF-8 is refused with its number; the lines around it are stored', async () => {
    const first = JSON.stringify({
      type: 'ui.feedback',
      payload: { target: 'before', helpful: true },
      sessionId: 'bytes-2',
    })
    const last = JSON.stringify({
      type: 'ui.feedback',
      payload: { target: 'after é', helpful: true },
      sessionId: 'bytes-2',
    })
    const body = Buffer.concat([Buffer.from(`${first}\n`), withBadBytes, Buffer.from(`\n${last}\n`)])
    const answer = await send('/events', body, { 'content-type': 'application/x-ndjson' })
    assert.equal(answer.status, 200, answer.text)
    const lines = answer.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    assert.deepEqual(
      lines.map((line) => line.ok),
      [true, false, true],
      answer.text,
    )
    assert.equal(lines[1].error.code, 'E_BAD_REQUEST')
    assert.equal(lines[1].error.message, 'line 2 is not valid UTF-8')
    assert.deepEqual(
      (await stored('bytes-2')).map((stored) => stored.payload.target),
      ['before', 'after é'],
    )
    assert.deepEqual(await stored('bytes-1'), [], 'the bad line stored nothing')
  })

  test('JSON: a body that is not UTF-8 is 400 on /events and on JSON routes; nothing is stored', async () => {
    const events = await send('/events', withBadBytes, { 'content-type': 'application/json' })
    assert.equal(events.status, 400, events.text)
    assert.equal(events.body.error.code, 'E_BAD_REQUEST')
    assert.match(events.body.error.message, /not valid UTF-8/)
    assert.deepEqual(await stored('bytes-1'), [])
    const chat = await send(
      '/chat',
      Buffer.concat([Buffer.from('{"text":"hi '), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      { 'content-type': 'application/json' },
    )
    assert.equal(chat.status, 400, chat.text)
    assert.equal(chat.body.error.code, 'E_BAD_REQUEST')
    assert.equal(chat.body.error.details.where, '/body')
    const openAi = await send(
      '/v1/chat/completions',
      Buffer.concat([
        Buffer.from('{"model":"localhub","messages":[{"role":"user","content":"'),
        Buffer.from([0xe9]),
        Buffer.from('"}]}'),
      ]),
      { 'content-type': 'application/json' },
    )
    assert.equal(openAi.status, 400, openAi.text)
    assert.match(openAi.body.error.message, /not valid UTF-8/)
  })

  test('a JSON body may start with a byte order mark', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf])
    const events = await send(
      '/events',
      Buffer.concat([
        bom,
        Buffer.from(
          JSON.stringify({ type: 'ui.command', payload: { command: 'bom' }, sessionId: 'bytes-3' }),
        ),
      ]),
      { 'content-type': 'application/json' },
    )
    assert.equal(events.status, 200, events.text)
    assert.equal((await stored('bytes-3'))[0].payload.command, 'bom')
    // A JSON route (no model server here: the turn fails after the body was read, not before).
    const chat = await send('/chat', Buffer.concat([bom, Buffer.from('{"text":"hi","stream":false}')]), {
      'content-type': 'application/json',
    })
    assert.notEqual(chat.status, 400, chat.text)
  })

  test('a compressed body is 415 naming the encoding, before it is read; identity is fine', async () => {
    const body = gzipSync(`${event('zipped')}\n`)
    for (const encoding of ['gzip', 'br', 'deflate, gzip']) {
      const answer = await send('/events', body, {
        'content-type': 'application/x-ndjson',
        'content-encoding': encoding,
      })
      assert.equal(answer.status, 415, answer.text)
      assert.equal(answer.body.error.code, 'E_BAD_REQUEST')
      assert.equal(answer.body.error.details.got, encoding)
      assert.ok(!answer.text.includes('\u001f'), 'no binary is echoed back')
    }
    const chat = await send('/chat', gzipSync('{"text":"hi"}'), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    })
    assert.equal(chat.status, 415, chat.text)
    const plain = await send('/events', event('plain'), {
      'content-type': 'application/json',
      'content-encoding': 'identity',
    })
    assert.equal(plain.status, 200, plain.text)
    // The token is checked first: a stranger learns nothing about encodings.
    const stranger = await fetch(`${fixture.hub.url}/events`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer wrong',
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body,
    })
    assert.equal(stranger.status, 401)
  })

  test('receipts=summary with a JSON body answers one summary object', async () => {
    const events = [1, 2, 3].map((n) => ({
      type: 'ui.command',
      payload: { command: `s${n}` },
      sessionId: 'bytes-4',
    }))
    events.push({ type: 'ui.command', payload: {}, sessionId: 'bytes-4' } as (typeof events)[number])
    const answer = await send('/events?receipts=summary', JSON.stringify(events), {
      'content-type': 'application/json',
    })
    assert.equal(answer.status, 200, answer.text)
    assert.equal(answer.body.events, 4)
    assert.equal(answer.body.stored, 3)
    assert.equal(answer.body.ok, false)
    assert.equal(answer.body.failed.length, 1)
    assert.equal(answer.body.failed[0].code, 'E_VALIDATION')
  })
})
