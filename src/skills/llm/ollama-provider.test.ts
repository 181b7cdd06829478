import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { type FakeLlmServerOptions, startOllamaServer } from '../../../test/kit/llm-servers/index.ts'
import { HubError } from '../../contracts/index.ts'
import { type LlmConfigInput, resolveLlmConfig } from './config.ts'
import { createOllamaProvider } from './ollama-provider.ts'
import type { LlmDelta, LlmProvider } from './types.ts'

const FAST: LlmConfigInput = {
  model: 'tiny',
  retryBaseDelayMs: 5,
  retryMaxDelayMs: 20,
  connectTimeoutMs: 2_000,
}

async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  serverOptions: FakeLlmServerOptions = {},
  config: LlmConfigInput = {},
) {
  const server = await startOllamaServer(serverOptions)
  t.after(() => server.close())
  const provider = createOllamaProvider(
    resolveLlmConfig({ manifest: { ...FAST, ...config, baseUrl: server.url } }),
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

describe('Ollama provider: streaming', () => {
  test('streams tokens then one done with usage, and sends the prompt', async (t) => {
    const { server, provider } = await setup(t)
    const parts = await collect(provider, 'what is the weather')
    assert.equal(text(parts), 'You said: what is the weather (1 messages)')
    const done = parts.at(-1)
    assert.equal(done?.type, 'done')
    assert.equal(parts.filter((part) => part.type === 'done').length, 1)
    if (done?.type === 'done') {
      assert.equal(done.finishReason, 'stop')
      assert.equal(done.usage.promptTokens, 4)
      assert.equal(done.usage.completionTokens, parts.length - 1)
      assert.ok((done.usage.totalDurationMs ?? -1) >= 0)
      assert.equal(done.usage.estimated, undefined)
    }
    const sent = server.chatRequests[0]?.body as { model: string; stream: boolean; messages: unknown[] }
    assert.equal(sent.model, 'tiny')
    assert.equal(sent.stream, true)
    assert.deepEqual(sent.messages, [{ role: 'user', content: 'what is the weather' }])
  })

  test('frames split at every byte with multi-byte characters arrive intact', async (t) => {
    const reply = 'héllo 🌍 wörld – 日本語 ✓'
    const { provider } = await setup(t, { reply: () => reply, chunking: { maxBytes: 1, delayMs: 0 } })
    assert.equal(text(await collect(provider)), reply)
  })

  test('frames split at random offsets with pauses arrive intact', async (t) => {
    const reply = 'ünïcødé 🎉 tokens across packets ' + 'x'.repeat(30)
    const { provider } = await setup(t, {
      reply: () => reply,
      chunking: { maxBytes: 13, delayMs: 1, seed: 7 },
    })
    assert.equal(text(await collect(provider)), reply)
  })

  test('chat options map to Ollama options; a token limit ends with finishReason length', async (t) => {
    const { server, provider } = await setup(t, {}, { temperature: 0.4 })
    const parts: LlmDelta[] = []
    for await (const part of provider.chat({
      messages: [{ role: 'user', content: 'one two three four' }],
      options: { maxTokens: 2, seed: 3, topP: 0.9, stop: ['\n'] },
    })) {
      parts.push(part)
    }
    assert.deepEqual((server.chatRequests[0]!.body as { options: unknown }).options, {
      temperature: 0.4,
      num_predict: 2,
      top_p: 0.9,
      seed: 3,
      stop: ['\n'],
    })
    assert.equal(parts.length, 3)
    const done = parts.at(-1)
    assert.ok(done?.type === 'done' && done.finishReason === 'length')
  })
})

describe('Ollama provider: failures', () => {
  test('connection refused fails fast with E_DEPENDENCY_UNAVAILABLE naming the URL and `ollama serve`', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as AddressInfo
    await new Promise((resolve) => probe.close(resolve))
    const provider = createOllamaProvider(
      resolveLlmConfig({ manifest: { ...FAST, baseUrl: `127.0.0.1:${port}` } }),
    )
    try {
      await assert.rejects(collect(provider), (error: unknown) => {
        assert.ok(error instanceof HubError)
        assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
        assert.match(error.message, new RegExp(`http://127\\.0\\.0\\.1:${port}`))
        assert.match(error.message, /ollama serve/)
        return true
      })
      const health = await provider.health()
      assert.equal(health.ok, false)
      assert.equal(health.error?.code, 'E_DEPENDENCY_UNAVAILABLE')
    } finally {
      await provider.close()
    }
  })

  test('unknown model: the 404 body becomes E_DEPENDENCY_UNAVAILABLE suggesting `ollama pull`, no retry', async (t) => {
    const { server, provider } = await setup(t, {}, { model: 'missing' })
    await assert.rejects(collect(provider), (error: unknown) => {
      assert.ok(error instanceof HubError)
      assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
      assert.match(error.message, /model "missing" not found/)
      assert.match(error.message, /ollama pull missing/)
      assert.equal(error.details?.status, 404)
      return true
    })
    assert.equal(server.chatRequests.length, 1)
  })

  test('503 before the first token is retried with backoff, then the answer streams', async (t) => {
    const { server, provider } = await setup(t, {
      failWith: { status: 503, body: { error: 'loading' }, times: 2 },
    })
    assert.match(text(await collect(provider)), /You said/)
    assert.equal(server.chatRequests.length, 3)
  })

  test('retries stop at maxRetries and the server message is kept', async (t) => {
    const { server, provider } = await setup(
      t,
      { failWith: { status: 500, body: { error: 'boom' } } },
      { maxRetries: 1 },
    )
    await assert.rejects(collect(provider), (error: unknown) => {
      return (
        error instanceof HubError && error.code === 'E_DEPENDENCY_UNAVAILABLE' && /boom/.test(error.message)
      )
    })
    assert.equal(server.chatRequests.length, 2)
  })

  test('a disconnect before any token is retried', async (t) => {
    const { server, provider } = await setup(t, { disconnectAfterTokens: 0 }, { maxRetries: 2 })
    await assert.rejects(collect(provider), { code: 'E_DEPENDENCY_UNAVAILABLE' })
    assert.equal(server.chatRequests.length, 3)
  })

  test('a mid-stream disconnect after tokens fails clearly and is NOT retried', async (t) => {
    const { server, provider } = await setup(t, { disconnectAfterTokens: 2 })
    const parts: LlmDelta[] = []
    await assert.rejects(
      async () => {
        for await (const part of provider.chat({ messages: [{ role: 'user', content: 'a b c d e' }] }))
          parts.push(part)
      },
      (error: unknown) => {
        assert.ok(error instanceof HubError)
        assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
        assert.match(error.message, /closed the connection before the answer was complete/)
        return true
      },
    )
    assert.equal(parts.length, 2)
    assert.equal(server.chatRequests.length, 1)
  })

  test('an error object mid-stream becomes a HubError after the tokens before it', async (t) => {
    const { provider } = await setup(t, { errorAfterTokens: { tokens: 1, message: 'out of memory' } })
    const parts: LlmDelta[] = []
    await assert.rejects(
      async () => {
        for await (const part of provider.chat({ messages: [{ role: 'user', content: 'x y' }] }))
          parts.push(part)
      },
      (error: unknown) => error instanceof HubError && /out of memory/.test(error.message),
    )
    assert.equal(parts.length, 1)
  })

  test('a body that ends cleanly without done:true is reported as truncated', async (t) => {
    const { provider } = await setup(t, { truncateAfterTokens: 2 })
    await assert.rejects(collect(provider), (error: unknown) => {
      return (
        error instanceof HubError &&
        error.code === 'E_DEPENDENCY_UNAVAILABLE' &&
        /without completing/.test(error.message)
      )
    })
  })

  test('slow first token: E_TIMEOUT, and the server sees the socket closed', async (t) => {
    const { server, provider } = await setup(t, { firstTokenDelayMs: 500 }, { firstTokenTimeoutMs: 50 })
    await assert.rejects(collect(provider), { code: 'E_TIMEOUT' })
    const request = server.chatRequests[0]!
    await request.settled
    assert.equal(request.closedByClient, true)
    assert.equal(server.chatRequests.length, 1)
  })

  test('a stall between tokens: E_TIMEOUT (idle)', async (t) => {
    const { server, provider } = await setup(t, { tokenDelayMs: 400 }, { idleTimeoutMs: 50 })
    await assert.rejects(collect(provider, 'a b c'), (error: unknown) => {
      return (
        error instanceof HubError && error.code === 'E_TIMEOUT' && error.details?.reason === 'idle-timeout'
      )
    })
    await server.chatRequests[0]!.settled
    assert.equal(server.chatRequests[0]!.closedByClient, true)
  })

  test('abort via AbortSignal closes the socket mid-stream and rejects with the reason', async (t) => {
    const { server, provider } = await setup(t, { tokenDelayMs: 30 })
    const controller = new AbortController()
    const reason = new Error('user pressed stop')
    await assert.rejects(async () => {
      for await (const part of provider.chat(
        { messages: [{ role: 'user', content: 'a b c d e f' }] },
        controller.signal,
      )) {
        if (part.type === 'token') controller.abort(reason)
      }
    }, reason)
    const request = server.chatRequests[0]!
    await request.settled
    assert.equal(request.closedByClient, true)
    assert.equal(request.completed, false)
  })

  test('garbage instead of NDJSON is E_IO, not a crash', async (t) => {
    const server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' })
      response.end(Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x0a, 0x80, 0x81]))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise((resolve) => server.close(resolve)))
    const { port } = server.address() as AddressInfo
    const provider = createOllamaProvider(
      resolveLlmConfig({ manifest: { ...FAST, baseUrl: `127.0.0.1:${port}` } }),
    )
    t.after(() => provider.close())
    await assert.rejects(collect(provider), { code: 'E_IO' })
  })

  test('wrong field types in a stream line are E_IO', async (t) => {
    const server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' })
      response.end('{"message":{"role":"assistant","content":{"__proto__":1}},"done":false}\n')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise((resolve) => server.close(resolve)))
    const { port } = server.address() as AddressInfo
    const provider = createOllamaProvider(
      resolveLlmConfig({ manifest: { ...FAST, baseUrl: `127.0.0.1:${port}` } }),
    )
    t.after(() => provider.close())
    await assert.rejects(collect(provider), { code: 'E_IO' })
  })
})

describe('Ollama provider: embed and health', () => {
  test('embed returns one vector per input, equal texts equal vectors', async (t) => {
    const { server, provider } = await setup(t, { embeddingDimensions: 4 })
    const vectors = await provider.embed!(['alpha', 'beta', 'alpha'])
    assert.equal(vectors.length, 3)
    assert.equal(vectors[0]!.length, 4)
    assert.deepEqual(vectors[0], vectors[2])
    assert.notDeepEqual(vectors[0], vectors[1])
    const sent = server.requests.find((request) => request.path === '/api/embed')?.body
    assert.deepEqual(sent, { model: 'tiny', input: ['alpha', 'beta', 'alpha'] })
    assert.deepEqual(await provider.embed!([]), [])
  })

  test('embed with an unknown model is E_DEPENDENCY_UNAVAILABLE', async (t) => {
    const { provider } = await setup(t, {}, { embeddingModel: 'nomic' })
    await assert.rejects(provider.embed!(['x']), { code: 'E_DEPENDENCY_UNAVAILABLE' })
  })

  test('health reports version and models; a missing model is not ok and says what to pull', async (t) => {
    const { provider } = await setup(t, { models: ['tiny', 'other:7b'] })
    const health = await provider.health()
    assert.equal(health.ok, true)
    assert.equal(typeof health.version, 'string')
    assert.deepEqual(health.models, ['tiny:latest', 'other:7b'])
    const { provider: missing } = await setup(t, {}, { model: 'llama3.2' })
    const bad = await missing.health()
    assert.equal(bad.ok, false)
    assert.match(bad.error?.message ?? '', /ollama pull llama3\.2/)
  })
})
