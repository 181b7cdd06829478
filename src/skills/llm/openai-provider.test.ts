import assert from 'node:assert/strict'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { type FakeOpenAiServerOptions, startOpenAiServer } from '../../../test/kit/llm-servers/index.ts'
import { HubError } from '../../contracts/index.ts'
import { type LlmConfigInput, resolveLlmConfig } from './config.ts'
import { createOpenAiProvider } from './openai-provider.ts'
import type { LlmDelta, LlmProvider } from './types.ts'

const FAST: LlmConfigInput = { provider: 'openai', model: 'tiny', retryBaseDelayMs: 5, retryMaxDelayMs: 20 }

type After = { after: (fn: () => Promise<void>) => void }

async function setup(t: After, serverOptions: FakeOpenAiServerOptions = {}, config: LlmConfigInput = {}) {
  const server = await startOpenAiServer(serverOptions)
  t.after(() => server.close())
  const provider = createOpenAiProvider(
    resolveLlmConfig({ manifest: { ...FAST, ...config, baseUrl: server.baseUrl } }),
  )
  t.after(() => provider.close())
  return { server, provider }
}

async function collect(
  provider: LlmProvider,
  content = 'hello there',
  signal?: AbortSignal,
): Promise<LlmDelta[]> {
  const parts: LlmDelta[] = []
  for await (const part of provider.chat({ messages: [{ role: 'user', content }] }, signal)) parts.push(part)
  return parts
}

function text(parts: LlmDelta[]): string {
  return parts.map((part) => (part.type === 'token' ? part.text : '')).join('')
}

/** A raw server that writes exactly `body` as an event stream. */
async function rawSse(t: After, write: (response: ServerResponse) => void): Promise<LlmProvider> {
  const server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    write(response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  const provider = createOpenAiProvider(
    resolveLlmConfig({ manifest: { ...FAST, maxRetries: 0, baseUrl: `http://127.0.0.1:${port}/v1` } }),
  )
  t.after(() => provider.close())
  return provider
}

describe('OpenAI-compatible provider: streaming', () => {
  test('streams tokens, reports usage from the usage chunk, sends the key and include_usage', async (t) => {
    const { server, provider } = await setup(
      t,
      { apiKey: 'sk-test' },
      { apiKey: 'sk-test', temperature: 0.2 },
    )
    const parts = await collect(provider, 'tell me more')
    assert.equal(text(parts), 'You said: tell me more (1 messages)')
    const done = parts.at(-1)
    assert.ok(done?.type === 'done')
    assert.deepEqual(done.usage, { promptTokens: 3, completionTokens: parts.length - 1 })
    assert.equal(done.finishReason, 'stop')
    const request = server.chatRequests[0]!
    assert.equal(request.headers.authorization, 'Bearer sk-test')
    const body = request.body as Record<string, unknown>
    assert.equal(body.stream, true)
    assert.deepEqual(body.stream_options, { include_usage: true })
    assert.equal(body.temperature, 0.2)
    assert.deepEqual(body.messages, [{ role: 'user', content: 'tell me more' }])
  })

  for (const lineEnding of ['\n', '\r\n', '\r'] as const) {
    test(`byte-by-byte frames with ${JSON.stringify(lineEnding)} endings and keep-alive comments`, async (t) => {
      const reply = 'héllo 🌍 – ✓ 日本'
      const { provider } = await setup(t, {
        reply: () => reply,
        chunking: { maxBytes: 1 },
        lineEnding,
        keepAliveComments: true,
      })
      const parts = await collect(provider)
      assert.equal(text(parts), reply)
      assert.equal(parts.at(-1)?.type, 'done')
    })
  }

  test('max tokens maps to max_tokens and ends with finishReason length', async (t) => {
    const { server, provider } = await setup(t)
    const parts: LlmDelta[] = []
    for await (const part of provider.chat({
      messages: [{ role: 'user', content: 'a b c' }],
      options: { maxTokens: 1 },
    })) {
      parts.push(part)
    }
    assert.equal((server.chatRequests[0]!.body as { max_tokens: number }).max_tokens, 1)
    const done = parts.at(-1)
    assert.ok(done?.type === 'done' && done.finishReason === 'length')
  })

  test('no [DONE] but a finish_reason: complete; usage missing is estimated and flagged', async (t) => {
    const provider = await rawSse(t, (response) => {
      response.write('data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n')
      response.end('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n')
    })
    const parts = await collect(provider, 'abcdefgh')
    assert.equal(text(parts), 'hi')
    const done = parts.at(-1)
    assert.ok(done?.type === 'done')
    assert.deepEqual(done.usage, { promptTokens: 2, completionTokens: 1, estimated: true })
  })

  test('neither [DONE] nor finish_reason: truncated answer is an error', async (t) => {
    const { provider } = await setup(t, { truncateAfterTokens: 2 })
    await assert.rejects(collect(provider, 'a b c d'), { code: 'E_DEPENDENCY_UNAVAILABLE' })
  })

  test('an error event mid-stream becomes a HubError after the tokens before it', async (t) => {
    const { provider } = await setup(t, { errorAfterTokens: { tokens: 2, message: 'model crashed' } })
    const parts: LlmDelta[] = []
    await assert.rejects(
      async () => {
        for await (const part of provider.chat({ messages: [{ role: 'user', content: 'a b c' }] }))
          parts.push(part)
      },
      (error: unknown) => error instanceof HubError && /model crashed/.test(error.message),
    )
    assert.equal(parts.length, 2)
  })

  test('mid-stream disconnect after tokens: clear error, no retry', async (t) => {
    const { server, provider } = await setup(t, { disconnectAfterTokens: 1 })
    await assert.rejects(collect(provider, 'a b c'), /closed the connection/)
    assert.equal(server.chatRequests.length, 1)
  })

  test('non-JSON data is E_IO', async (t) => {
    const provider = await rawSse(t, (response) => response.end('data: {oops\n\n'))
    await assert.rejects(collect(provider), { code: 'E_IO' })
  })

  test('abort closes the socket', async (t) => {
    const { server, provider } = await setup(t, { tokenDelayMs: 30 })
    const controller = new AbortController()
    await assert.rejects(async () => {
      for await (const part of provider.chat(
        { messages: [{ role: 'user', content: 'a b c d e' }] },
        controller.signal,
      )) {
        if (part.type === 'token') controller.abort(new Error('stop'))
      }
    }, /stop/)
    await server.chatRequests[0]!.settled
    assert.equal(server.chatRequests[0]!.closedByClient, true)
  })
})

describe('OpenAI-compatible provider: errors', () => {
  test('wrong key: 401 becomes E_DEPENDENCY_UNAVAILABLE naming OPENAI_API_KEY, not retried', async (t) => {
    const { server, provider } = await setup(t, { apiKey: 'right' }, { apiKey: 'wrong' })
    await assert.rejects(collect(provider), (error: unknown) => {
      assert.ok(error instanceof HubError)
      assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
      assert.match(error.message, /OPENAI_API_KEY/)
      assert.equal(error.details?.status, 401)
      assert.equal(error.details?.serverCode, 'invalid_api_key')
      return true
    })
    assert.equal(server.requests.length, 1)
  })

  test('wrong key with llm.apiKeyEnv: the message names that variable', async (t) => {
    const { provider } = await setup(t, { apiKey: 'right' }, { apiKey: 'wrong', apiKeyEnv: 'MY_LLAMA_KEY' })
    await assert.rejects(collect(provider), (error: unknown) => {
      assert.ok(error instanceof HubError)
      assert.match(error.message, /set MY_LLAMA_KEY/)
      assert.doesNotMatch(error.message, /OPENAI_API_KEY/)
      return true
    })
  })

  test('unknown model: 404 model_not_found', async (t) => {
    const { provider } = await setup(t, {}, { model: 'gpt-nope' })
    await assert.rejects(collect(provider), (error: unknown) => {
      return (
        error instanceof HubError &&
        error.details?.serverCode === 'model_not_found' &&
        /gpt-nope/.test(error.message)
      )
    })
  })

  test('429 with Retry-After is retried before the first token', async (t) => {
    const { server, provider } = await setup(t, {
      failWith: {
        status: 429,
        body: { error: { message: 'Rate limit', type: 'rate_limit_error', code: 'rate_limit' } },
        headers: { 'retry-after': '0' },
        times: 1,
      },
    })
    assert.match(text(await collect(provider)), /You said/)
    assert.equal(server.chatRequests.length, 2)
  })

  test('400 is E_BAD_REQUEST with the server message', async (t) => {
    const { provider } = await setup(t, {
      failWith: {
        status: 400,
        body: { error: { message: 'messages too long', type: 'invalid_request_error' } },
      },
    })
    await assert.rejects(collect(provider), (error: unknown) => {
      return (
        error instanceof HubError && error.code === 'E_BAD_REQUEST' && /messages too long/.test(error.message)
      )
    })
  })

  test('connection refused names the URL and how to start a server', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as AddressInfo
    await new Promise((resolve) => probe.close(resolve))
    const provider = createOpenAiProvider(
      resolveLlmConfig({ manifest: { ...FAST, baseUrl: `http://127.0.0.1:${port}/v1` } }),
    )
    try {
      await assert.rejects(collect(provider), (error: unknown) => {
        return (
          error instanceof HubError &&
          error.code === 'E_DEPENDENCY_UNAVAILABLE' &&
          error.message.includes(`http://127.0.0.1:${port}/v1`) &&
          /OPENAI_BASE_URL/.test(error.message)
        )
      })
    } finally {
      await provider.close()
    }
  })
})

describe('OpenAI-compatible provider: embeddings and health', () => {
  test('embeddings come back in input order', async (t) => {
    const { provider, server } = await setup(t, { embeddingDimensions: 6 })
    const vectors = await provider.embed!(['one', 'two'])
    assert.equal(vectors.length, 2)
    assert.equal(vectors[0]!.length, 6)
    assert.notDeepEqual(vectors[0], vectors[1])
    assert.deepEqual(server.requests.at(-1)?.body, { model: 'tiny', input: ['one', 'two'] })
  })

  test('health lists models; a model the server does not list is not ok', async (t) => {
    const { provider } = await setup(t, { models: ['tiny', 'big'] })
    assert.deepEqual(await provider.health(), {
      ok: true,
      provider: 'openai',
      target: (await provider.health()).target,
      models: ['tiny', 'big'],
    })
    const { provider: other } = await setup(t, {}, { model: 'absent' })
    const health = await other.health()
    assert.equal(health.ok, false)
    assert.match(health.error?.message ?? '', /absent/)
  })

  test('health with a wrong key is not ok', async (t) => {
    const { provider } = await setup(t, { apiKey: 'k' }, { apiKey: 'bad' })
    const health = await provider.health()
    assert.equal(health.ok, false)
    assert.match(health.error?.message ?? '', /credentials/)
  })
})
