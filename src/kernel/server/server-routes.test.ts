import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createFakeHub } from '../../../test/kit/fake-hub.ts'
import { collect, readNdjson, readSse, startTestServer } from '../../../test/kit/http-client.ts'
import type { ChatPart } from './server-types.ts'

const JSON_HEADERS = { 'content-type': 'application/json' }
type Failure = {
  ok: false
  error: { code: string; message: string; details?: { issues?: Array<{ path: string }> } }
}

describe('POST /chat', () => {
  test('streams stream.start, chunks in order, stream.end as SSE', async (t) => {
    const server = await startTestServer(t)
    const response = await server.stream('/chat', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"text":"one two three","sessionId":"s-1"}',
    })
    assert.equal(response.status, 200)
    assert.match(String(response.headers['content-type']), /^text\/event-stream/)
    const events = await collect(readSse(response.body))
    assert.deepEqual(
      events.map((event) => event.event),
      ['stream.start', 'stream.chunk', 'stream.chunk', 'stream.chunk', 'stream.chunk', 'stream.end'],
    )
    assert.deepEqual(
      events.slice(1, -1).map((event) => (event.data as { seq: number }).seq),
      [0, 1, 2, 3],
    )
    const input = server.hub.chatInputs[0]!
    assert.deepEqual([input.text, input.sessionId, input.stream], ['one two three', 's-1', true])
    assert.equal(input.traceId, response.headers['x-trace-id'])
  })

  test('stream:false answers one result envelope with the whole text', async (t) => {
    const server = await startTestServer(t)
    const response = await server.call('/chat', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"text":"hello there","stream":false}',
    })
    assert.equal(response.status, 200)
    const body = response.json<{ ok: true; data: { text: string; chunks: number } }>()
    assert.deepEqual([body.ok, body.data.text, body.data.chunks], [true, 'echo: hello there', 3])
  })

  test('an error before the first part keeps its HTTP status; a later one becomes an error event', async (t) => {
    const server = await startTestServer(t)
    server.hub.chatScript = async function* (): AsyncGenerator<ChatPart> {
      yield { event: 'error', error: { code: 'E_DEPENDENCY_UNAVAILABLE', message: 'no LLM: start ollama' } }
    }
    const early = await server.call('/chat', { method: 'POST', headers: JSON_HEADERS, body: '{"text":"x"}' })
    assert.equal(early.status, 503)
    assert.equal(early.json<Failure>().error.code, 'E_DEPENDENCY_UNAVAILABLE')

    server.hub.chatScript = async function* (): AsyncGenerator<ChatPart> {
      yield { event: 'stream.start', data: { streamId: 's' } }
      throw new Error('the model crashed')
    }
    const late = await server.stream('/chat', { method: 'POST', headers: JSON_HEADERS, body: '{"text":"x"}' })
    const events = await collect(readSse(late.body))
    assert.deepEqual(
      events.map((event) => event.event),
      ['stream.start', 'error'],
    )
    assert.deepEqual(events[1]!.data, {
      ok: false,
      error: { code: 'E_UNKNOWN', message: 'the model crashed' },
    })
  })

  test('bad bodies: malformed JSON 400, wrong shape 422 with paths, poisoned keys 400, wrong type 415, huge 413', async (t) => {
    const server = await startTestServer(t, { server: { bodyLimitBytes: 4096 } })
    const post = (body: string | Uint8Array, headers: Record<string, string> = JSON_HEADERS) =>
      server.call('/chat', { method: 'POST', headers, body })
    const cases: Array<[string | Uint8Array, number, string, Record<string, string>?]> = [
      ['{"text":', 400, 'E_BAD_REQUEST'],
      ['', 400, 'E_BAD_REQUEST'],
      [new Uint8Array([0xff, 0xfe, 0x00, 0x81]), 400, 'E_BAD_REQUEST'],
      ['{"text":"x","__proto__":{"admin":true}}', 400, 'E_BAD_REQUEST'],
      ['{"text":"x","constructor":{"prototype":{"admin":true}}}', 400, 'E_BAD_REQUEST'],
      ['[1,2]', 422, 'E_VALIDATION'],
      ['null', 422, 'E_VALIDATION'],
      ['{"text":42,"stream":"yes","sessionId":"../../etc","extra":1}', 422, 'E_VALIDATION'],
      [`{"text":"${'x'.repeat(5000)}"}`, 413, 'E_RESOURCE_LIMIT'],
      [`${'['.repeat(2000)}${']'.repeat(2000)}`, 422, 'E_VALIDATION'],
      ['text=hi', 415, 'E_BAD_REQUEST', { 'content-type': 'application/x-www-form-urlencoded' }],
    ]
    for (const [body, status, code, headers] of cases) {
      const response = await post(body, headers)
      assert.equal(response.status, status, String(body).slice(0, 40))
      assert.equal(response.json<Failure>().error.code, code)
    }
    const shape = await post('{"text":42,"stream":"yes","sessionId":"../../etc","extra":1}')
    const paths = shape
      .json<Failure>()
      .error.details?.issues?.map((issue) => issue.path)
      .sort()
    assert.deepEqual(paths, ['/extra', '/sessionId', '/stream', '/text'])
    assert.equal(server.hub.chatInputs.length, 0)
    assert.equal((await server.call('/health')).status, 200)
  })
})

describe('POST /events', () => {
  test('one JSON event answers one result envelope; a bad one answers its error status', async (t) => {
    const server = await startTestServer(t)
    const good = await server.call('/events', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"type":"chat.query","payload":{"text":"x"}}',
    })
    assert.equal(good.status, 200)
    assert.deepEqual(good.json<{ data: { seq: number } }>().data.seq, 1)
    const invalid = await server.call('/events', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"type":"NOT A TYPE"}',
    })
    assert.equal(invalid.status, 422)
    const malformed = await server.call('/events', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"type":',
    })
    assert.equal(malformed.status, 400)
    assert.equal(malformed.json<Failure>().error.code, 'E_BAD_REQUEST')
  })

  test('NDJSON gets one result line per event, in order, bad lines included', async (t) => {
    const server = await startTestServer(t)
    const lines = ['{"type":"a.one"}', 'not json', '{"type":"BAD"}', '{"type":"a.two"}']
    const response = await server.stream('/events', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
    })
    assert.equal(response.status, 200)
    const results = (await collect(readNdjson(response.body))) as Array<{
      ok: boolean
      data?: { seq: number }
      error?: { code: string }
    }>
    assert.deepEqual(
      results.map((result) => (result.ok ? `ok ${result.data!.seq}` : result.error!.code)),
      ['ok 1', 'E_BAD_REQUEST', 'E_VALIDATION', 'ok 2'],
    )
  })

  test('CloudEvents binary mode: ce-* headers reach the hub', async (t) => {
    const server = await startTestServer(t)
    const response = await server.call('/events', {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        'ce-specversion': '1.0',
        'ce-type': 'ce.test',
        'ce-id': '1',
        'ce-source': '/x',
      },
      body: '{"n":1}',
    })
    assert.equal(response.status, 200)
    assert.equal(server.hub.log[0]?.type, 'ce.test')
  })

  test('unsupported content type 415, empty body 400, too big 413 — and the server stays up', async (t) => {
    const server = await startTestServer(t, { server: { eventsBodyLimitBytes: 1024 } })
    const post = (headers: Record<string, string>, body: string) =>
      server.call('/events', { method: 'POST', headers, body })
    assert.equal((await post({ 'content-type': 'text/html' }, '<p>')).status, 415)
    assert.equal((await post({}, '{"type":"a.b"}')).status, 415)
    assert.equal((await post(JSON_HEADERS, '')).status, 400)
    const huge = await post({ 'content-type': 'application/x-ndjson' }, `${'{"type":"a.b"}\n'.repeat(200)}`)
    assert.equal(huge.status, 413)
    assert.equal(huge.json<Failure>().error.code, 'E_RESOURCE_LIMIT')
    assert.equal(server.hub.log.length, 0)
    assert.equal((await server.call('/health')).status, 200)
  })
})

describe('GET /events', () => {
  test('the JSON result passes the stored texts through when the hub has them (decision 1774)', async (t) => {
    const base = createFakeHub()
    // Texts as a log keeps them; the spacing shows whether they were parsed and serialised again.
    const stored = ['{"seq": 1, "type": "chat.query"}', '{"seq": 2, "type": "chat.query"}']
    const hub = Object.assign(base, {
      async *replayJson() {
        for (const json of stored) yield { json }
      },
    })
    const server = await startTestServer(t, { hub })
    const answer = await server.call('/events?limit=2')
    assert.equal(answer.status, 200)
    assert.equal(answer.text, `{"ok":true,"data":[${stored.join(',')}]}`)
    assert.match(String(answer.headers['content-type']), /application\/json/)
    assert.deepEqual(answer.json<{ data: unknown[] }>().data, [
      { seq: 1, type: 'chat.query' },
      { seq: 2, type: 'chat.query' },
    ])
  })

  test('replays with filter, from/to and limit as a JSON result or NDJSON by Accept', async (t) => {
    const server = await startTestServer(t)
    for (let index = 0; index < 10; index++)
      server.hub.publish({ type: index % 2 === 0 ? 'chat.query' : 'tool.request' })
    const json = await server.call('/events?filter=chat.*&from=3&limit=2')
    assert.equal(json.status, 200)
    const events = json.json<{ ok: true; data: Array<{ seq: number; type: string }> }>().data
    assert.deepEqual(
      events.map((event) => event.seq),
      [3, 5],
    )
    const ndjson = await server.stream('/events?to=4', { headers: { accept: 'application/x-ndjson' } })
    assert.match(String(ndjson.headers['content-type']), /ndjson/)
    const lines = (await collect(readNdjson(ndjson.body))) as Array<{ seq: number }>
    assert.deepEqual(
      lines.map((line) => line.seq),
      [1, 2, 3, 4],
    )
  })

  test('bad parameters are 400 with the parameter named', async (t) => {
    const server = await startTestServer(t)
    for (const query of [
      'limit=10001',
      'limit=abc',
      'from=yesterday',
      'filter=a..b',
      'bogus=1',
      'from=1&from=2',
    ]) {
      const response = await server.call(`/events?${query}`)
      assert.equal(response.status, 400, query)
      assert.equal(response.json<Failure>().error.code, 'E_BAD_REQUEST')
    }
  })
})

describe('other routes', () => {
  test('/sessions, /metrics (Prometheus text with HTTP counters), unknown routes 404', async (t) => {
    const server = await startTestServer(t)
    const sessions = await server.call('/sessions')
    assert.deepEqual(sessions.json(), { ok: true, data: [{ sessionId: 'default', state: 'idle' }] })
    const missing = await server.call('/nope?x=1')
    assert.equal(missing.status, 404)
    assert.deepEqual(missing.json(), {
      ok: false,
      error: { code: 'E_BAD_REQUEST', message: 'no route GET /nope' },
    })
    const metrics = await server.call('/metrics')
    assert.equal(metrics.status, 200)
    assert.match(String(metrics.headers['content-type']), /^text\/plain/)
    assert.match(
      metrics.text,
      /localhub_http_requests_total\{method="GET",route="\/sessions",status="200"\} 1/,
    )
    assert.match(metrics.text, /localhub_http_request_duration_seconds_bucket/)
    assert.match(metrics.text, /localhub_ws_clients 0/)
  })
})
