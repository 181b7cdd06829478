// The official `openai` npm client against a running hub (loopback Ollama-speaking model behind it):
// a request to /v1/chat/completions is a normal hub turn — events, memory, history, tools with consent.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import {
  DEFAULT_EMBEDDING_DIMENSIONS,
  type FakeOllamaServer,
  startOllamaServer,
} from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { watchEvents } from '../kit/wait-for.ts'

describe('OpenAI-compatible API with the openai client', { timeout: 90_000 }, () => {
  const temp = makeTempDir('localhub-compat-openai-')
  const workspace = join(temp.path, 'workspace')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let client: OpenAI

  before(async () => {
    mkdirSync(join(workspace, 'docs'), { recursive: true })
    const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
      /path: "~\/projects"/,
      `path: ${JSON.stringify(workspace)}`,
    )
    writeFileSync(join(temp.path, 'manifest.yaml'), manifest)
    ollama = await startOllamaServer({
      models: ['tiny'],
      toolCalls: (request) => {
        const answered = request.messages.some((message) => message.role === 'tool')
        const wants = /shopping list/.test(request.messages.at(-1)?.content ?? '')
        return wants && !answered
          ? [{ name: 'write_file', arguments: { path: 'docs/shopping.md', content: 'milk\n' } }]
          : undefined
      },
      reply: (request) => {
        const tool = request.messages.find((message) => message.role === 'tool')
        if (tool !== undefined) {
          const status = (JSON.parse(tool.content) as { status: string }).status
          return status === 'done' ? 'I wrote your shopping list.' : `I could not write it (${status}).`
        }
        const earlier = request.messages.filter((message) => message.role === 'assistant').length
        return `Hello from the hub, after ${earlier} earlier answers.`
      },
    })
    hub = await openHub({
      dataDir: join(temp.path, 'data'),
      manifestPath: join(temp.path, 'manifest.yaml'),
      port: 0,
      logger: false,
      llmFlags: { baseUrl: ollama.url, model: 'tiny' },
    })
    client = new OpenAI({ baseURL: `${hub.url}/v1`, apiKey: hub.token, maxRetries: 0 })
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('a non-streaming completion is a hub turn, with the client history in the prompt', async () => {
    const answer = await client.chat.completions.create({
      model: 'localhub',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'How are you?' },
      ],
      user: 'openai-session-1',
    })
    assert.equal(answer.object, 'chat.completion')
    assert.equal(answer.model, 'localhub')
    assert.equal(answer.choices[0]?.message.content, 'Hello from the hub, after 1 earlier answers.')
    assert.equal(answer.choices[0]?.finish_reason, 'stop')
    assert.equal(answer.usage, undefined, 'token counts stay in llm.complete')
    const prompt = ollama.requests.filter((request) => request.path === '/api/chat').at(-1)?.body as {
      messages: { role: string; content: string }[]
    }
    assert.ok(prompt.messages.some((message) => message.role === 'system' && message.content === 'Be brief.'))
    assert.equal(prompt.messages.at(-1)?.content, 'How are you?')
    const traceId = answer.id.replace(/^chatcmpl-/, '')
    const types: string[] = []
    for await (const event of hub.bus.replay({})) {
      if (event.traceId !== traceId) continue
      types.push(event.type)
      assert.equal(event.sessionId, 'openai-session-1')
    }
    for (const type of [
      'turn.start',
      'chat.query',
      'chat.prompt',
      'llm.complete',
      'memory.write.receipt',
      'turn.end',
    ])
      assert.ok(types.includes(type), `${type} is in the turn (${types.join(', ')})`)
  })

  test('a streaming completion arrives as chat.completion.chunk deltas ending in stop', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    })
    let text = ''
    const finishes: (string | null)[] = []
    const roles: (string | undefined)[] = []
    let chunks = 0
    for await (const chunk of stream) {
      roles.push(chunk.choices[0]?.delta.role)
      assert.equal(chunk.object, 'chat.completion.chunk')
      chunks++
      text += chunk.choices[0]?.delta.content ?? ''
      finishes.push(chunk.choices[0]?.finish_reason ?? null)
    }
    assert.equal(text, 'Hello from the hub, after 0 earlier answers.')
    assert.ok(chunks >= 4, `several chunks (${chunks})`)
    assert.equal(finishes.at(-1), 'stop')
    assert.equal(finishes.filter((reason) => reason !== null).length, 1)
    assert.deepEqual(
      roles.filter((role) => role !== undefined),
      ['assistant'],
    )
    assert.equal(roles[0], 'assistant')
  })

  test('the hub model is listed, and an unknown model is a 404 in OpenAI shape', async () => {
    const models = await client.models.list()
    const ids = models.data.map((model) => model.id)
    assert.deepEqual(ids, ['localhub', 'tiny'])
    assert.equal((await client.models.retrieve('localhub')).owned_by, 'localhub')
    // The names chat accepts are models too.
    assert.equal((await client.models.retrieve('localhub:latest')).id, 'localhub:latest')
    assert.equal((await client.models.retrieve('tiny:latest')).id, 'tiny:latest')
    await assert.rejects(client.models.retrieve('gpt-9:latest'), OpenAI.NotFoundError)
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'Hi' }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.NotFoundError)
        assert.equal(error.code, 'model_not_found')
        assert.equal(error.param, 'model')
        return true
      },
    )
  })

  test('a wrong key is a 401 the client reports as an authentication error', async () => {
    const stranger = new OpenAI({ baseURL: `${hub.url}/v1`, apiKey: 'wrong', maxRetries: 0 })
    await assert.rejects(stranger.models.list(), (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError)
      assert.equal(error.status, 401)
      assert.equal(error.code, 'invalid_api_key')
      assert.equal(error.type, 'invalid_request_error')
      return true
    })
  })

  test('malformed, invalid and oversized bodies answer in OpenAI error shape', async () => {
    const post = (body: string) =>
      fetch(`${hub.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
        body,
      })
    const shapeOf = async (response: Response) => {
      const body = (await response.json()) as { error: Record<string, unknown> }
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type'])
      return body.error
    }
    const broken = await post('{"model": "localhub", "messages": [')
    assert.equal(broken.status, 400)
    assert.equal((await shapeOf(broken)).type, 'invalid_request_error')
    const noMessages = await post(JSON.stringify({ model: 'localhub', messages: [] }))
    assert.equal(noMessages.status, 400)
    assert.equal((await shapeOf(noMessages)).param, 'messages')
    const lastNotUser = await post(
      JSON.stringify({ model: 'localhub', messages: [{ role: 'assistant', content: 'Hi' }] }),
    )
    assert.equal(lastNotUser.status, 400)
    assert.equal((await shapeOf(lastNotUser)).param, 'messages.0')
    const huge = await post(
      JSON.stringify({ model: 'localhub', messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] }),
    )
    assert.equal(huge.status, 413)
    assert.equal((await shapeOf(huge)).code, 'request_too_large')
    // A text past the turn's limit is the hub's E_RESOURCE_LIMIT (413), before a stream starts.
    for (const stream of [false, true]) {
      const tooLong = await post(
        JSON.stringify({
          model: 'localhub',
          stream,
          messages: [{ role: 'user', content: 'y'.repeat(32_001) }],
        }),
      )
      assert.equal(tooLong.status, 413)
      const error = await shapeOf(tooLong)
      assert.equal(error.code, 'E_RESOURCE_LIMIT')
      assert.match(String(error.message), /^chat text is longer than 32000 characters/)
    }
    // An unpaired surrogate is malformed text: 400, the field named.
    const surrogate = await post('{"model":"localhub","messages":[{"role":"user","content":"a\\ud800b"}]}')
    assert.equal(surrogate.status, 400)
    assert.equal((await shapeOf(surrogate)).type, 'invalid_request_error')
    const partWithoutText = await post(
      JSON.stringify({ model: 'localhub', messages: [{ role: 'user', content: [{ type: 'text' }] }] }),
    )
    assert.equal(partWithoutText.status, 400)
    assert.equal((await shapeOf(partWithoutText)).param, 'messages.0.content.0.text')
    const unknownRoute = await fetch(`${hub.url}/v1/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: '{}',
    })
    assert.equal(unknownRoute.status, 404)
    assert.equal((await shapeOf(unknownRoute)).code, 'not_found')
  })

  test('embeddings come from the model provider, as floats or base64 (the client decodes them)', async () => {
    const answer = await client.embeddings.create({ model: 'tiny', input: ['one', 'two'] })
    assert.equal(answer.data.length, 2)
    assert.equal(answer.data[0]?.embedding.length, DEFAULT_EMBEDDING_DIMENSIONS)
    const floats = await client.embeddings.create({ model: 'tiny', input: 'one', encoding_format: 'float' })
    assert.deepEqual(
      floats.data[0]?.embedding.map((value) => Math.fround(value)),
      answer.data[0]?.embedding.map((value) => Math.fround(value)),
    )
    const request = ollama.requests.filter((entry) => entry.path === '/api/embed').at(-1)?.body as {
      input: string[]
    }
    assert.deepEqual(request.input, ['one'])
  })

  test('client-offered tools are ignored; the model uses the hub tools, and a write waits for approval', async (t) => {
    const requested = await watchEvents(hub.bus, 'approval.requested')
    t.after(() => requested.stop())
    const answer = client.chat.completions
      .create({
        model: 'localhub',
        messages: [{ role: 'user', content: 'Please put milk on my shopping list' }],
        tools: [{ type: 'function', function: { name: 'client_side', parameters: { type: 'object' } } }],
      })
      .withResponse()
    const event = await requested.next(() => true, 'approval.requested', 20_000)
    assert.equal(
      existsSync(join(workspace, 'docs', 'shopping.md')),
      false,
      'nothing is written before approval',
    )
    const { approvalId } = event.payload as { approvalId: string }
    const approved = await fetch(`${hub.url}/approvals/${approvalId}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'yes' }),
    })
    assert.equal(approved.status, 200)
    const { data, response } = await answer
    assert.equal(response.headers.get('x-localhub-client-tools'), 'ignored')
    assert.equal(data.choices[0]?.message.content, 'I wrote your shopping list.')
    assert.equal(data.choices[0]?.message.tool_calls, undefined)
    assert.equal(readFileSync(join(workspace, 'docs', 'shopping.md'), 'utf8'), 'milk\n')
    const offered = ollama.requests.filter((entry) => entry.path === '/api/chat').at(-1)?.body as {
      tools?: { function: { name: string } }[]
    }
    const names = offered.tools?.map((tool) => tool.function.name) ?? []
    assert.ok(names.includes('write_file'))
    assert.ok(!names.includes('client_side'))
  })
})
