// The official `ollama` npm client against a running hub: /api/chat and /api/generate are hub turns
// streamed as NDJSON the way Ollama streams them; /api/tags lists the hub; errors are Ollama's shape.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { Ollama } from 'ollama'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import {
  DEFAULT_EMBEDDING_DIMENSIONS,
  type FakeOllamaServer,
  startOllamaServer,
} from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

describe('Ollama-compatible API with the ollama client', { timeout: 60_000 }, () => {
  const temp = makeTempDir('localhub-compat-ollama-')
  let model: FakeOllamaServer
  let hub: RunningHub
  let client: Ollama

  before(async () => {
    model = await startOllamaServer({
      models: ['tiny'],
      reply: (request) => {
        const pirate = request.messages.some(
          (message) => message.role === 'system' && message.content.includes('Talk like a pirate'),
        )
        return `${pirate ? 'Arr, ' : ''}you said: ${request.messages.at(-1)?.content}`
      },
    })
    hub = await openHub({
      dataDir: join(temp.path, 'data'),
      port: 0,
      logger: false,
      llmFlags: { baseUrl: model.url, model: 'tiny' },
    })
    client = new Ollama({ host: hub.url, headers: { authorization: `Bearer ${hub.token}` } })
  })
  after(async () => {
    await hub?.close()
    await model?.close()
    temp.remove()
  })

  test('chat streams NDJSON pieces and a final done line, as a hub turn', async () => {
    const stream = await client.chat({
      model: 'localhub',
      messages: [
        { role: 'system', content: 'Talk like a pirate.' },
        { role: 'user', content: 'ahoy there' },
      ],
      stream: true,
    })
    let text = ''
    const done: boolean[] = []
    let last: Record<string, unknown> = {}
    for await (const part of stream) {
      text += part.message.content
      done.push(part.done)
      last = part as unknown as Record<string, unknown>
    }
    assert.equal(text, 'Arr, you said: ahoy there')
    assert.ok(done.length >= 3)
    assert.deepEqual(done.slice(0, -1), new Array(done.length - 1).fill(false))
    assert.equal(last.done, true)
    assert.equal(last.done_reason, 'stop')
    assert.equal(typeof last.total_duration, 'number')
    let turnStarts = 0
    for await (const _event of hub.bus.replay({ filter: 'turn.start' })) turnStarts++
    assert.equal(turnStarts, 1, 'the request was one hub turn')
  })

  test('chat without streaming, and generate both ways', async () => {
    const whole = await client.chat({
      model: 'localhub',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    })
    assert.equal(whole.message.content, 'you said: hi')
    assert.equal(whole.done, true)
    const generated = await client.generate({ model: 'tiny', prompt: 'hello', stream: false })
    assert.equal(generated.response, 'you said: hello')
    const pieces: string[] = []
    for await (const part of await client.generate({
      model: 'tiny',
      prompt: 'again',
      system: 'Talk like a pirate.',
      stream: true,
    }))
      pieces.push(part.response ?? '')
    assert.equal(pieces.join(''), 'Arr, you said: again')
  })

  test('tags list the hub, version answers, embed comes from the provider', async () => {
    const tags = await client.list()
    assert.deepEqual(
      tags.models.map((entry) => entry.name),
      ['localhub:latest', 'tiny:latest'],
    )
    assert.equal((await client.version()).version, '0.1.0')
    const shown = await client.show({ model: 'localhub' })
    assert.deepEqual(shown.capabilities, ['completion', 'embedding'])
    const vectors = await client.embed({ model: 'tiny', input: ['a', 'b', 'c'] })
    assert.equal(vectors.embeddings.length, 3)
    assert.equal(vectors.embeddings[0]?.length, DEFAULT_EMBEDDING_DIMENSIONS)
    // The older route, as `ollama.embeddings()` calls it: one prompt, the same vector as /api/embed.
    const one = await client.embeddings({ model: 'tiny', prompt: 'a' })
    assert.deepEqual(one.embedding, vectors.embeddings[0])
  })

  test('errors come back as {error} with the status: unknown model, wrong token, malformed body', async () => {
    await assert.rejects(
      client.chat({ model: 'llama9', messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => {
        assert.equal((error as { status_code?: number }).status_code, 404)
        assert.match((error as Error).message, /does not exist/)
        return true
      },
    )
    const stranger = new Ollama({ host: hub.url, headers: { authorization: 'Bearer wrong' } })
    await assert.rejects(stranger.list(), (error: unknown) => {
      assert.equal((error as { status_code?: number }).status_code, 401)
      assert.match((error as Error).message, /token is wrong/)
      return true
    })
    const broken = await fetch(`${hub.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: '{"model":',
    })
    assert.equal(broken.status, 400)
    assert.deepEqual(Object.keys((await broken.json()) as object), ['error'])
    // What the hub's turn refuses keeps its status: a blank prompt 400, a text past the limit 413.
    await assert.rejects(client.generate({ model: 'localhub', prompt: '   ' }), (error: unknown) => {
      assert.equal((error as { status_code?: number }).status_code, 400)
      assert.match((error as Error).message, /^chat text must be a non-empty string/)
      return true
    })
    await assert.rejects(
      client.chat({ model: 'localhub', messages: [{ role: 'user', content: 'z'.repeat(32_001) }] }),
      (error: unknown) => {
        assert.equal((error as { status_code?: number }).status_code, 413)
        return true
      },
    )
  })
})
