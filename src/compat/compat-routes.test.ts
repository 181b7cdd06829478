import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import type { CompatOptions, CompatTurnInput, CompatTurnPart } from './compat-ports.ts'
import { compatRoutes } from './compat-routes.ts'

// The compatible routes on a bare Fastify app with a scripted turn: what the e2e suites cannot reach
// cheaply (no embedding provider, a turn failing before it starts, Ollama's load answer, headers).

describe('compatible routes with a scripted turn', () => {
  const inputs: CompatTurnInput[] = []
  let failWith: { code: string; message: string } | undefined
  let failLate = false
  let failAfterStart: { code: string; message: string } | undefined
  let app: FastifyInstance
  const options: CompatOptions = {
    async *chat(input) {
      inputs.push(input)
      if (failWith !== undefined) {
        yield { event: 'error', error: failWith } satisfies CompatTurnPart
        return
      }
      yield {
        event: 'stream.start',
        data: { traceId: input.traceId, sessionId: input.sessionId ?? 'new-session' },
      }
      if (failAfterStart !== undefined) {
        yield { event: 'error', error: failAfterStart }
        return
      }
      yield { event: 'stream.chunk', data: {}, text: 'fine' }
      if (failLate) {
        yield { event: 'error', error: { code: 'E_TIMEOUT', message: 'the model stopped answering' } }
        return
      }
      yield { event: 'stream.end', data: { citations: [] } }
    },
    principalOf: () => ({ id: 'owner', via: 'bearer' }),
    modelName: () => 'tiny',
    embeddings: () => undefined,
    tools: { descriptors: () => [], call: async () => ({ status: 'done' }) },
    searches: () => ({}),
    version: '9.9.9',
  }

  before(async () => {
    app = Fastify({ logger: false })
    await compatRoutes(options)(app)
    await app.ready()
  })
  after(() => app.close())

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: payload as object, headers })

  test('the session header picks the session, the answer names it, and the history is the client’s', async () => {
    failWith = undefined
    const answer = await post(
      '/v1/chat/completions',
      {
        model: 'localhub',
        messages: [
          { role: 'developer', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'earlier' }] },
          { role: 'assistant', content: null, tool_calls: [] },
          { role: 'tool', content: 'ignored', tool_call_id: 'x' },
          { role: 'user', content: 'now' },
        ],
      },
      { 'x-localhub-session': 'desk-1' },
    )
    assert.equal(answer.statusCode, 200)
    assert.equal(answer.headers['x-localhub-session'], 'desk-1')
    const input = inputs.at(-1)!
    assert.equal(input.text, 'now')
    assert.equal(input.route, '/v1/chat/completions')
    assert.deepEqual(input.history, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'earlier' },
    ])
  })

  test('a turn that cannot start keeps its status and the hub code, in each dialect', async () => {
    failWith = { code: 'E_DEPENDENCY_UNAVAILABLE', message: 'the model server is down' }
    const openAi = await post('/v1/chat/completions', {
      model: 'localhub',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    })
    assert.equal(openAi.statusCode, 503)
    assert.deepEqual(openAi.json(), {
      error: {
        message: 'the model server is down',
        type: 'server_error',
        param: null,
        code: 'E_DEPENDENCY_UNAVAILABLE',
      },
    })
    const ollama = await post('/api/chat', { model: 'localhub', messages: [{ role: 'user', content: 'hi' }] })
    assert.equal(ollama.statusCode, 503)
    assert.deepEqual(ollama.json(), { error: 'the model server is down' })
    failWith = undefined
  })

  test('a turn that fails right after its start (model server down) keeps its status when streaming', async () => {
    failAfterStart = { code: 'E_DEPENDENCY_UNAVAILABLE', message: 'the model server is down' }
    const openAi = await post('/v1/chat/completions', {
      model: 'localhub',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    })
    const ollama = await post('/api/generate', { model: 'localhub', prompt: 'hi' })
    failAfterStart = undefined
    assert.equal(openAi.statusCode, 503, openAi.body)
    assert.equal(openAi.json().error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.equal(ollama.statusCode, 503, ollama.body)
    assert.deepEqual(ollama.json(), { error: 'the model server is down' })
  })

  test('an error after the stream began is one error line, and the stream ends without [DONE]', async () => {
    failLate = true
    const openAi = await post('/v1/chat/completions', {
      model: 'localhub',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    })
    failLate = false
    assert.equal(openAi.statusCode, 200)
    const lines = openAi.body.split('\n\n').filter((line) => line !== '')
    assert.equal(lines.length, 3)
    assert.deepEqual(JSON.parse(lines[2]!.slice('data: '.length)), {
      error: { message: 'the model stopped answering', type: 'server_error', param: null, code: 'E_TIMEOUT' },
    })
    assert.ok(!openAi.body.includes('[DONE]'))
  })

  test('without an embedding provider both embedding routes answer 501 in their shape', async () => {
    const openAi = await post('/v1/embeddings', { model: 'localhub', input: 'x' })
    assert.equal(openAi.statusCode, 501)
    assert.equal(openAi.json().error.code, 'embeddings_unavailable')
    const ollama = await post('/api/embed', { model: 'localhub', input: 'x' })
    assert.equal(ollama.statusCode, 501)
    assert.match(ollama.json().error, /no embedding model/)
  })

  test('generate without a prompt loads and is done at once; no turn runs', async () => {
    const before = inputs.length
    const answer = await post('/api/generate', { model: 'tiny' })
    assert.equal(answer.statusCode, 200)
    assert.equal(answer.json().done, true)
    assert.equal(answer.json().done_reason, 'load')
    assert.equal(inputs.length, before)
  })

  test('image parts, unknown roles and n > 1 are refused with the field named', async () => {
    const image = await post('/v1/chat/completions', {
      model: 'localhub',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }],
    })
    assert.equal(image.statusCode, 400)
    assert.equal(image.json().error.param, 'messages.0.content.0')
    const role = await post('/v1/chat/completions', {
      model: 'localhub',
      messages: [{ role: 'wizard', content: 'hi' }],
    })
    assert.equal(role.json().error.param, 'messages.0.role')
    const many = await post('/v1/chat/completions', {
      model: 'localhub',
      n: 2,
      messages: [{ role: 'user', content: 'hi' }],
    })
    assert.equal(many.json().error.param, 'n')
  })

  test('Ollama images are refused, on a message and on generate, with the field named', async () => {
    const before = inputs.length
    const chat = await post('/api/chat', {
      model: 'localhub',
      messages: [{ role: 'user', content: 'what is this?', images: ['aGVsbG8='] }],
    })
    assert.equal(chat.statusCode, 400)
    assert.match(chat.json().error, /messages\.0\.images: images are not supported/)
    const generate = await post('/api/generate', { model: 'localhub', prompt: 'what?', images: ['aGVsbG8='] })
    assert.equal(generate.statusCode, 400)
    assert.match(generate.json().error, /^images: /)
    assert.equal(inputs.length, before)
    const noImages = await post('/api/generate', {
      model: 'localhub',
      prompt: 'what?',
      images: [],
      stream: false,
    })
    assert.equal(noImages.statusCode, 200)
  })

  test('stream: null is the default of each dialect, and text parts are joined as lines', async () => {
    failWith = undefined
    const openAi = await post('/v1/chat/completions', {
      model: 'localhub',
      stream: null,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'first' },
            { type: 'text', text: 'second' },
          ],
        },
      ],
    })
    assert.equal(openAi.statusCode, 200)
    assert.equal(openAi.json().object, 'chat.completion')
    assert.equal(inputs.at(-1)!.text, 'first\nsecond')
    const ollama = await post('/api/chat', {
      model: 'localhub',
      stream: null,
      messages: [{ role: 'user', content: 'hi' }],
    })
    assert.equal(ollama.statusCode, 200)
    assert.match(String(ollama.headers['content-type']), /application\/x-ndjson/)
    const wrong = await post('/v1/chat/completions', {
      model: 'localhub',
      stream: 'yes',
      messages: [{ role: 'user', content: 'hi' }],
    })
    assert.equal(wrong.statusCode, 400)
  })
})
