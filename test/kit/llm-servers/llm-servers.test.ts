import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { describe, test } from 'node:test'
import { buildTinyGguf, startOllamaServer, startOpenAiServer } from './index.ts'
import { delay } from './loopback-server.ts'

type After = { after: (fn: () => Promise<void>) => void }
// biome-ignore lint/suspicious/noExplicitAny: these tests read arbitrary JSON answers field by field
type Json = any

async function ollama(t: After, options: Parameters<typeof startOllamaServer>[0] = {}) {
  const server = await startOllamaServer(options)
  t.after(() => server.close())
  return server
}

async function openai(t: After, options: Parameters<typeof startOpenAiServer>[0] = {}) {
  const server = await startOpenAiServer(options)
  t.after(() => server.close())
  return server
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** Reads a body chunk by chunk, as the socket delivered it. */
async function chunksOf(response: Response): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk)
  return chunks
}

describe('fake Ollama server', () => {
  test('/api/chat streams NDJSON lines in Ollama shape, last with done and timings', async (t) => {
    const server = await ollama(t)
    const response = await post(`${server.url}/api/chat`, {
      model: 'tiny',
      messages: [{ role: 'user', content: 'hi you' }],
    })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'application/x-ndjson')
    const lines = (await response.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    const tokens = lines.slice(0, -1)
    assert.ok(tokens.length > 0)
    for (const line of tokens) {
      assert.deepEqual(Object.keys(line), ['model', 'created_at', 'message', 'done'])
      assert.equal(line.done, false)
      assert.equal(line.message.role, 'assistant')
      assert.ok(!Number.isNaN(Date.parse(line.created_at)))
    }
    assert.equal(tokens.map((line) => line.message.content).join(''), 'You said: hi you (1 messages)')
    const last = lines.at(-1)
    assert.equal(last.done, true)
    assert.equal(last.done_reason, 'stop')
    assert.equal(last.message.content, '')
    assert.equal(last.eval_count, tokens.length)
    assert.equal(last.prompt_eval_count, 2)
    for (const key of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration']) {
      assert.ok(Number.isInteger(last[key]) && last[key] >= 0, key)
    }
  })

  test('stream:false gives one JSON object; /api/generate streams `response`', async (t) => {
    const server = await ollama(t, { reply: (request) => `n=${request.messages.length}` })
    const single = (await (
      await post(`${server.url}/api/chat`, {
        model: 'tiny:latest',
        stream: false,
        messages: [{ role: 'user', content: 'x' }],
      })
    ).json()) as Json
    assert.equal(single.message.content, 'n=1')
    assert.equal(single.done, true)
    const generated = (
      await (await post(`${server.url}/api/generate`, { model: 'tiny', prompt: 'p', system: 's' })).text()
    )
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    assert.equal(generated[0].response, 'n=2')
    assert.ok(Array.isArray(generated.at(-1).context))
  })

  test('/api/embed accepts a string or a list; /api/tags and /api/version answer', async (t) => {
    const server = await ollama(t, { embeddingDimensions: 3 })
    const one = (await (await post(`${server.url}/api/embed`, { model: 'tiny', input: 'a' })).json()) as Json
    assert.equal(one.embeddings.length, 1)
    assert.equal(one.embeddings[0].length, 3)
    const many = (await (
      await post(`${server.url}/api/embed`, { model: 'tiny', input: ['a', 'b'] })
    ).json()) as Json
    assert.deepEqual(many.embeddings[0], one.embeddings[0])
    const tags = (await (await fetch(`${server.url}/api/tags`)).json()) as Json
    assert.equal(tags.models[0].name, 'tiny:latest')
    const version = (await (await fetch(`${server.url}/api/version`)).json()) as Json
    assert.equal(typeof version.version, 'string')
  })

  test('unknown model: 404 with Ollama’s exact error body', async (t) => {
    const server = await ollama(t)
    const response = await post(`${server.url}/api/chat`, { model: 'x', messages: [] })
    assert.equal(response.status, 404)
    assert.deepEqual(await response.json(), { error: 'model "x" not found, try pulling it first' })
  })

  test('hostile requests get 4xx answers, and the server keeps working', async (t) => {
    const server = await ollama(t)
    assert.equal((await post(`${server.url}/api/chat`, '{bad json')).status, 400)
    assert.equal((await post(`${server.url}/api/chat`, { model: 'tiny', messages: 'nope' })).status, 400)
    assert.equal(
      (await post(`${server.url}/api/chat`, { model: 'tiny', messages: [{ role: 1 }] })).status,
      400,
    )
    assert.equal((await post(`${server.url}/api/chat`, '{"__proto__":{"model":"tiny"}}')).status, 400)
    assert.equal((await post(`${server.url}/api/embed`, { model: 'tiny', input: [1, 2] })).status, 400)
    assert.equal((await post(`${server.url}/api/chat`, 'x'.repeat(9 * 1024 * 1024))).status, 413)
    assert.equal((await fetch(`${server.url}/nope`)).status, 404)
    assert.equal((await post(`${server.url}/api/chat`, { model: 'tiny', messages: [] })).status, 200)
  })

  test('chunking splits frames across many small TCP reads', async (t) => {
    const server = await ollama(t, { chunking: { maxBytes: 3, delayMs: 1 } })
    const response = await post(`${server.url}/api/chat`, {
      model: 'tiny',
      messages: [{ role: 'user', content: 'a' }],
    })
    const chunks = await chunksOf(response)
    const text = Buffer.concat(chunks).toString('utf8')
    const lines = text.trimEnd().split('\n')
    assert.ok(chunks.length > lines.length * 3, `${chunks.length} chunks for ${lines.length} lines`)
    assert.ok(chunks.every((chunk) => chunk.length <= 3))
    assert.equal(JSON.parse(lines.at(-1)!).done, true)
  })

  test('records requests; a completed response is not "closed by client"; a client hang-up is', async (t) => {
    const server = await ollama(t, { tokenDelayMs: 50 })
    await (
      await post(`${server.url}/api/chat`, { model: 'tiny', messages: [{ role: 'user', content: 'a' }] })
    ).text()
    await server.requests[0]!.settled
    assert.equal(server.requests[0]!.completed, true)
    assert.equal(server.requests[0]!.closedByClient, false)
    const controller = new AbortController()
    const response = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'a b c d' }] }),
      signal: controller.signal,
    })
    const reader = response.body!.getReader()
    await reader.read()
    controller.abort()
    await server.requests[1]!.settled
    assert.equal(server.requests[1]!.closedByClient, true)
    assert.equal(server.requests[1]!.completed, false)
  })

  test('disconnectAfterTokens kills the socket after that many lines; it is not a client close', async (t) => {
    const server = await ollama(t, { disconnectAfterTokens: 1 })
    const received = await new Promise<{ body: string; error: string | undefined }>((resolve) => {
      const request = httpRequest(`${server.url}/api/chat`, { method: 'POST' }, (response) => {
        let body = ''
        response.on('data', (chunk) => {
          body += chunk
        })
        response.on('error', (error) => resolve({ body, error: error.message }))
        response.on('end', () => resolve({ body, error: undefined }))
      })
      request.end(JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'a b' }] }))
    })
    assert.equal(received.error, 'aborted')
    assert.equal(received.body.trimEnd().split('\n').length, 1)
    await server.requests[0]!.settled
    assert.equal(server.requests[0]!.closedByClient, false)
  })

  test('failWith times: the first N chat requests fail, later ones stream', async (t) => {
    const server = await ollama(t, { failWith: { status: 503, body: { error: 'busy' }, times: 1 } })
    const first = await post(`${server.url}/api/chat`, { model: 'tiny', messages: [] })
    assert.equal(first.status, 503)
    assert.deepEqual(await first.json(), { error: 'busy' })
    assert.equal((await post(`${server.url}/api/chat`, { model: 'tiny', messages: [] })).status, 200)
  })
})

describe('fake OpenAI server', () => {
  test('SSE chunks in OpenAI shape, finish chunk, usage chunk, then [DONE]', async (t) => {
    const server = await openai(t)
    const response = await post(`${server.baseUrl}/chat/completions`, {
      model: 'tiny',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hey' }],
    })
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8')
    const events = (await response.text()).split('\n\n').filter(Boolean)
    assert.equal(events.at(-1), 'data: [DONE]')
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, '')))
    for (const chunk of chunks) {
      assert.equal(chunk.object, 'chat.completion.chunk')
      assert.match(chunk.id, /^chatcmpl-/)
      assert.equal(chunk.model, 'tiny')
      assert.equal(typeof chunk.created, 'number')
    }
    assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' })
    const usageChunk = chunks.at(-1)
    assert.deepEqual(usageChunk.choices, [])
    assert.equal(usageChunk.usage.prompt_tokens, 1)
    const finish = chunks.at(-2)
    assert.equal(finish.choices[0].finish_reason, 'stop')
    const content = chunks
      .slice(1, -2)
      .map((chunk) => chunk.choices[0].delta.content)
      .join('')
    assert.equal(content, 'You said: hey (1 messages)')
    assert.equal(usageChunk.usage.completion_tokens, chunks.length - 3)
  })

  test('without include_usage there is no usage chunk; stream:false returns a chat.completion', async (t) => {
    const server = await openai(t)
    const text = await (
      await post(`${server.baseUrl}/chat/completions`, {
        model: 'tiny',
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      })
    ).text()
    assert.ok(!text.includes('"usage"'))
    const single = (await (
      await post(`${server.baseUrl}/chat/completions`, {
        model: 'tiny',
        messages: [{ role: 'user', content: 'x' }],
      })
    ).json()) as Json
    assert.equal(single.object, 'chat.completion')
    assert.equal(single.choices[0].message.content, 'You said: x (1 messages)')
    assert.equal(single.usage.total_tokens, single.usage.prompt_tokens + single.usage.completion_tokens)
  })

  test('401 with the OpenAI error shape for a wrong or missing key', async (t) => {
    const server = await openai(t, { apiKey: 'secret' })
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
      const response = await post(
        `${server.baseUrl}/chat/completions`,
        { model: 'tiny', messages: [] },
        headers,
      )
      assert.equal(response.status, 401)
      const body = (await response.json()) as Json
      assert.equal(body.error.code, 'invalid_api_key')
      assert.equal(body.error.type, 'invalid_request_error')
      assert.ok(!JSON.stringify(body).includes('secret'))
    }
    const ok = await fetch(`${server.baseUrl}/models`, { headers: { authorization: 'Bearer secret' } })
    assert.equal(ok.status, 200)
  })

  test('/v1/models and /v1/embeddings', async (t) => {
    const server = await openai(t, { models: ['a', 'b'], embeddingDimensions: 5 })
    const models = (await (await fetch(`${server.baseUrl}/models`)).json()) as Json
    assert.deepEqual(
      models.data.map((model: { id: string }) => model.id),
      ['a', 'b'],
    )
    const embeddings = (await (
      await post(`${server.baseUrl}/embeddings`, { model: 'a', input: ['p', 'q'] })
    ).json()) as Json
    assert.deepEqual(
      embeddings.data.map((item: { index: number }) => item.index),
      [0, 1],
    )
    assert.equal(embeddings.data[0].embedding.length, 5)
  })

  test('CRLF line endings and keep-alive comments are emitted when asked', async (t) => {
    const server = await openai(t, { lineEnding: '\r\n', keepAliveComments: true, omitDone: true })
    const text = await (
      await post(`${server.baseUrl}/chat/completions`, {
        model: 'tiny',
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      })
    ).text()
    assert.ok(text.includes(': keep-alive\r\n\r\n'))
    assert.ok(text.includes('\r\n\r\ndata: '))
    assert.ok(!text.includes('[DONE]'))
  })

  test('hostile requests get 400s', async (t) => {
    const server = await openai(t)
    assert.equal((await post(`${server.baseUrl}/chat/completions`, '\u0000\u0001')).status, 400)
    assert.equal(
      (await post(`${server.baseUrl}/chat/completions`, { model: 'tiny', messages: [null] })).status,
      400,
    )
    assert.equal((await post(`${server.baseUrl}/embeddings`, { model: 'tiny', input: { a: 1 } })).status, 400)
  })
})

describe('tiny GGUF', () => {
  test('starts with the GGUF v3 header and is deterministic per seed', () => {
    const first = buildTinyGguf()
    assert.equal(first.subarray(0, 4).toString('latin1'), 'GGUF')
    assert.equal(first.readUInt32LE(4), 3)
    assert.equal(Number(first.readBigUInt64LE(8)), 2 + 9 * 2 + 1)
    assert.ok(buildTinyGguf().equals(first))
    assert.ok(!buildTinyGguf({ seed: 2 }).equals(first))
    assert.throws(() => buildTinyGguf({ embeddingLength: 30, headCount: 4 }), RangeError)
  })
})

describe('scripted waits', () => {
  test('delay(ms) lasts ms by the performance clock even when timers fire early', async (t) => {
    // Every timer fires 2 ms before its delay, as the loop's whole-millisecond clock allows.
    const realSetTimeout = globalThis.setTimeout
    t.mock.method(globalThis, 'setTimeout', ((callback: () => void, ms?: number) =>
      realSetTimeout(callback, Math.max(0, (ms ?? 0) - 2))) as typeof setTimeout)
    const started = performance.now()
    await delay(30)
    const waited = performance.now() - started
    t.mock.restoreAll()
    assert.ok(waited >= 30, `waited ${waited} ms`)
  })
})
