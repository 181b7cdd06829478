import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { type FakeLlmServerOptions, startOllamaServer } from '../../../test/kit/llm-servers/index.ts'
import { HubError } from '../../contracts/index.ts'
import { type LlmConfigInput, resolveLlmConfig } from './config.ts'
import { createOllamaProvider } from './ollama-provider.ts'
import type { LlmChatRequest, LlmDelta, LlmMessage, LlmProvider, LlmToolDefinition } from './types.ts'

const FAST: LlmConfigInput = { model: 'tiny', retryBaseDelayMs: 5, retryMaxDelayMs: 20, maxRetries: 0 }

type After = { after: (fn: () => Promise<void>) => void }

const WRITE_FILE: LlmToolDefinition = {
  type: 'function',
  function: {
    name: 'write_file',
    description: 'Write a text file in the workspace',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
    },
  },
}

const WRITE_ARGUMENTS = { path: 'docs/note.md', content: 'héllo 🌍\n"quoted"' }

/** The scripted model: asks to write a file until a tool result is in the conversation, then reports. */
const WRITER: FakeLlmServerOptions = {
  toolCalls: (request) =>
    request.tools !== undefined && !request.messages.some((message) => message.role === 'tool')
      ? [{ name: 'write_file', arguments: WRITE_ARGUMENTS }]
      : undefined,
  reply: (request) =>
    request.messages.some((message) => message.role === 'tool') ? 'Done: wrote the file' : 'plain text',
}

async function setup(t: After, serverOptions: FakeLlmServerOptions = {}, config: LlmConfigInput = {}) {
  const server = await startOllamaServer(serverOptions)
  t.after(() => server.close())
  const provider = createOllamaProvider(
    resolveLlmConfig({ manifest: { ...FAST, ...config, baseUrl: server.url } }),
  )
  t.after(() => provider.close())
  return { server, provider }
}

async function collect(provider: LlmProvider, request: LlmChatRequest): Promise<LlmDelta[]> {
  const parts: LlmDelta[] = []
  for await (const part of provider.chat(request)) parts.push(part)
  return parts
}

/** A raw server that answers /api/chat with exactly these NDJSON lines. */
async function rawOllama(t: After, lines: unknown[]): Promise<LlmProvider> {
  const server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'application/x-ndjson' })
    response.end(lines.map((line) => `${typeof line === 'string' ? line : JSON.stringify(line)}\n`).join(''))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  const provider = createOllamaProvider(
    resolveLlmConfig({ manifest: { ...FAST, baseUrl: `http://127.0.0.1:${port}` } }),
  )
  t.after(() => provider.close())
  return provider
}

const FINAL = { model: 'tiny', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' }

function callLine(calls: unknown): object {
  return { model: 'tiny', message: { role: 'assistant', content: '', tool_calls: calls }, done: false }
}

const ASK: LlmMessage = { role: 'user', content: 'write me a note' }

describe('Ollama provider: tool calls', () => {
  for (const chunking of [undefined, { maxBytes: 3, delayMs: 1 }]) {
    test(`streams a tool call, then the follow-up carries the call and its result (chunking ${chunking !== undefined})`, async (t) => {
      const { server, provider } = await setup(t, { ...WRITER, ...(chunking ? { chunking } : {}) })
      const parts = await collect(provider, { messages: [ASK], tools: [WRITE_FILE] })
      assert.deepEqual(parts.slice(0, -1), [
        { type: 'tool_call', id: 'call_0', name: 'write_file', arguments: WRITE_ARGUMENTS },
      ])
      const done = parts.at(-1)
      assert.ok(done?.type === 'done')
      assert.equal(done.finishReason, 'tool_calls')
      assert.ok(done.usage.completionTokens > 0)
      const first = server.chatRequests[0]!.body as Record<string, unknown>
      assert.deepEqual(first.tools, [WRITE_FILE])

      const call = parts[0]!
      assert.ok(call.type === 'tool_call')
      const result = JSON.stringify({ status: 'done', bytes: 19 })
      const followUp = await collect(provider, {
        messages: [
          ASK,
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: call.id, name: call.name, arguments: call.arguments }],
          },
          { role: 'tool', toolCallId: call.id, name: 'write_file', content: result },
        ],
        tools: [WRITE_FILE],
      })
      assert.equal(
        followUp.map((part) => (part.type === 'token' ? part.text : '')).join(''),
        'Done: wrote the file',
      )
      const last = followUp.at(-1)
      assert.ok(last?.type === 'done' && last.finishReason === 'stop')
      const second = server.chatRequests[1]!.body as Record<string, unknown>
      assert.deepEqual(second.messages, [
        { role: 'user', content: 'write me a note' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ function: { name: 'write_file', arguments: WRITE_ARGUMENTS } }],
        },
        { role: 'tool', content: result, tool_name: 'write_file' },
      ])
    })
  }

  test('offered tools the model does not use: the text answer is unchanged', async (t) => {
    const { server, provider } = await setup(t, { toolCalls: () => undefined })
    const parts = await collect(provider, { messages: [ASK], tools: [WRITE_FILE] })
    assert.equal(
      parts.map((part) => (part.type === 'token' ? part.text : '')).join(''),
      'You said: write me a note (1 messages)',
    )
    assert.equal(parts.filter((part) => part.type === 'tool_call').length, 0)
    const done = parts.at(-1)
    assert.ok(done?.type === 'done' && done.finishReason === 'stop')
    assert.deepEqual((server.chatRequests[0]!.body as Record<string, unknown>).tools, [WRITE_FILE])
  })

  test('without tools the request has no tools field', async (t) => {
    const { server, provider } = await setup(t)
    await collect(provider, { messages: [ASK] })
    assert.equal('tools' in (server.chatRequests[0]!.body as object), false)
  })

  test('several calls get stable ids by position; an id the server sends is kept', async (t) => {
    const provider = await rawOllama(t, [
      callLine([{ function: { name: 'read_file', arguments: { path: 'a' } } }]),
      callLine([
        { id: 'srv-7', function: { name: 'read_file', arguments: { path: 'b' } } },
        { function: { name: 'list_dir', arguments: {} } },
      ]),
      FINAL,
    ])
    const calls = (await collect(provider, { messages: [ASK], tools: [WRITE_FILE] })).filter(
      (part) => part.type === 'tool_call',
    )
    assert.deepEqual(
      calls.map((call) => [call.id, call.name, call.arguments]),
      [
        ['call_0', 'read_file', { path: 'a' }],
        ['srv-7', 'read_file', { path: 'b' }],
        ['call_2', 'list_dir', {}],
      ],
    )
  })

  test('hostile keys in arguments stay plain data and pollute nothing', async (t) => {
    const provider = await rawOllama(t, [
      `{"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"x","arguments":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}}]},"done":false}`,
      FINAL,
    ])
    const parts = await collect(provider, { messages: [ASK] })
    const call = parts[0]
    assert.ok(call?.type === 'tool_call')
    assert.ok(Object.hasOwn(call.arguments, '__proto__'))
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  const malformed: [string, unknown, string, RegExp][] = [
    [
      'arguments that are an array',
      [{ function: { name: 'x', arguments: [1, 2] } }],
      'E_VALIDATION',
      /"x".*not a JSON object/,
    ],
    [
      'arguments that are a number',
      [{ function: { name: 'x', arguments: 7 } }],
      'E_VALIDATION',
      /not a JSON object/,
    ],
    [
      'arguments that are broken JSON text',
      [{ function: { name: 'x', arguments: '{"a":' } }],
      'E_VALIDATION',
      /not valid JSON/,
    ],
    ['a call without a name', [{ function: { arguments: {} } }], 'E_IO', /no function name/],
    ['tool_calls that are not a list', { function: { name: 'x' } }, 'E_IO', /not an array/],
    [
      'more calls than the limit',
      Array.from({ length: 65 }, () => ({ function: { name: 'x', arguments: {} } })),
      'E_RESOURCE_LIMIT',
      /more than 64/,
    ],
  ]
  for (const [name, calls, code, message] of malformed) {
    test(`${name}: ${code}, never a silent drop`, async (t) => {
      const provider = await rawOllama(t, [callLine(calls), FINAL])
      await assert.rejects(
        collect(provider, { messages: [ASK] }),
        (error: unknown) => error instanceof HubError && error.code === code && message.test(error.message),
      )
    })
  }

  test('invalid tool parts in the request are E_BAD_REQUEST with issues, and nothing is sent', async (t) => {
    const { server, provider } = await setup(t)
    const bad = {
      messages: [
        ASK,
        { role: 'user', content: 'x', toolCalls: [] },
        { role: 'assistant', content: '', toolCalls: [{ id: '', name: 'write_file', arguments: 'nope' }] },
      ],
      tools: [{ type: 'function', function: { name: 'bad name!', description: 'd', parameters: {} } }],
    } as unknown as LlmChatRequest
    await assert.rejects(collect(provider, bad), (error: unknown) => {
      assert.ok(error instanceof HubError && error.code === 'E_BAD_REQUEST')
      const paths = (error.details?.issues ?? []).map((issue) => issue.path)
      assert.deepEqual(paths, [
        '/tools/0/function/name',
        '/messages/1/toolCalls',
        '/messages/2/toolCalls/0/id',
        '/messages/2/toolCalls/0/arguments',
      ])
      return true
    })
    assert.equal(server.chatRequests.length, 0)
  })

  test('arguments that cannot become JSON (a cycle) are E_BAD_REQUEST, not a TypeError', async (t) => {
    const { provider } = await setup(t)
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const request: LlmChatRequest = {
      messages: [
        ASK,
        { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'x', arguments: cyclic }] },
      ],
    }
    await assert.rejects(
      collect(provider, request),
      (error: unknown) => error instanceof HubError && error.code === 'E_BAD_REQUEST',
    )
  })
})
