// How the OpenAI provider reads tool-call fragments as servers really send them, and refuses bad ones.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { HubError } from '../../contracts/index.ts'
import { type LlmConfigInput, resolveLlmConfig } from './config.ts'
import { createOpenAiProvider } from './openai-provider.ts'
import { DEFAULT_MAX_TOOL_ARGUMENTS_CHARS } from './tool-calls.ts'
import type { LlmChatRequest, LlmDelta, LlmMessage, LlmProvider } from './types.ts'

const FAST: LlmConfigInput = {
  provider: 'openai',
  model: 'tiny',
  retryBaseDelayMs: 5,
  retryMaxDelayMs: 20,
  maxRetries: 0,
}

type After = { after: (fn: () => Promise<void>) => void }

const _WRITE_ARGUMENTS = { path: 'docs/note.md', content: 'héllo 🌍\n"quoted" and a longer line of text' }
const ASK: LlmMessage = { role: 'user', content: 'write me a note' }

async function collect(provider: LlmProvider, request: LlmChatRequest): Promise<LlmDelta[]> {
  const parts: LlmDelta[] = []
  for await (const part of provider.chat(request)) parts.push(part)
  return parts
}

const _text = (parts: LlmDelta[]): string =>
  parts.map((part) => (part.type === 'token' ? part.text : '')).join('')

/** A raw server that answers with exactly these SSE data payloads. */
async function rawSse(t: After, payloads: unknown[]): Promise<LlmProvider> {
  const server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    const events = payloads.map(
      (payload) => `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`,
    )
    response.end(events.join(''))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  const provider = createOpenAiProvider(
    resolveLlmConfig({ manifest: { ...FAST, baseUrl: `http://127.0.0.1:${port}/v1` } }),
  )
  t.after(() => provider.close())
  return provider
}

/** One chunk whose delta carries these tool_calls fragments (and optionally a finish_reason). */
function fragment(toolCalls: unknown, finishReason: string | null = null): object {
  return {
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { tool_calls: toolCalls }, finish_reason: finishReason }],
  }
}

const FINISH = {
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }],
}

function head(index: number | undefined, id: string | undefined, name: string): object {
  return {
    ...(index === undefined ? {} : { index }),
    ...(id === undefined ? {} : { id }),
    type: 'function',
    function: { name, arguments: '' },
  }
}

const piece = (index: number, argumentsText: string): object => ({
  index,
  function: { arguments: argumentsText },
})

describe('OpenAI-compatible provider: tool-call fragments', () => {
  test('two calls interleaved by index come out whole, in index order', async (t) => {
    const provider = await rawSse(t, [
      fragment([head(0, 'call_a', 'read_file')]),
      fragment([head(1, 'call_b', 'list_dir')]),
      fragment([piece(1, '{"dir"'), piece(0, '{"pa')]),
      fragment([piece(0, 'th":"x"}')]),
      fragment([piece(1, ':"docs"}')]),
      FINISH,
      '[DONE]',
    ])
    const parts = await collect(provider, { messages: [ASK] })
    assert.deepEqual(parts.slice(0, 2), [
      { type: 'tool_call', id: 'call_a', name: 'read_file', arguments: { path: 'x' } },
      { type: 'tool_call', id: 'call_b', name: 'list_dir', arguments: { dir: 'docs' } },
    ])
  })

  test('servers without index or id, repeating the name, with empty arguments: still read', async (t) => {
    const provider = await rawSse(t, [
      fragment([head(undefined, undefined, 'list_dir')]),
      fragment([{ function: { name: 'list_dir', arguments: '' } }]),
      // A server that says 'stop' after calls: the caller is still told results are awaited.
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ])
    const parts = await collect(provider, { messages: [ASK] })
    assert.deepEqual(parts[0], { type: 'tool_call', id: 'call_0', name: 'list_dir', arguments: {} })
    const done = parts.at(-1)
    assert.ok(done?.type === 'done' && done.finishReason === 'tool_calls')
  })

  test('text before the call is streamed first, then the call', async (t) => {
    const provider = await rawSse(t, [
      {
        choices: [
          { index: 0, delta: { role: 'assistant', content: 'Let me write it.' }, finish_reason: null },
        ],
      },
      fragment([head(0, 'call_1', 'write_file')]),
      fragment([piece(0, '{"path":"a","content":"b"}')]),
      FINISH,
      '[DONE]',
    ])
    const parts = await collect(provider, { messages: [ASK] })
    assert.deepEqual(
      parts.map((part) => part.type),
      ['token', 'tool_call', 'done'],
    )
  })

  const malformed: [string, unknown[], string, RegExp][] = [
    [
      'unterminated arguments JSON',
      [fragment([head(0, 'c', 'write_file')]), fragment([piece(0, '{"path": "a')]), FINISH],
      'E_VALIDATION',
      /"write_file".*not valid JSON/,
    ],
    [
      'arguments that are an array',
      [fragment([head(0, 'c', 'x')]), fragment([piece(0, '[1,2]')]), FINISH],
      'E_VALIDATION',
      /not a JSON object/,
    ],
    [
      'binary garbage as arguments',
      [fragment([head(0, 'c', 'x')]), fragment([piece(0, '\u0000\uffff\u0001')]), FINISH],
      'E_VALIDATION',
      /not valid JSON/,
    ],
    [
      'arguments that are not a string',
      [fragment([{ index: 0, id: 'c', function: { name: 'x', arguments: { a: 1 } } }]), FINISH],
      'E_IO',
      /arguments is not a string/,
    ],
    [
      'a negative index',
      [fragment([head(-1, 'c', 'x')]), FINISH],
      'E_IO',
      /index is not a non-negative integer/,
    ],
    ['tool_calls that are not a list', [fragment({ index: 0 }), FINISH], 'E_IO', /not an array/],
    ['a call that never gets a name', [fragment([piece(0, '{}')]), FINISH], 'E_IO', /no function name/],
    [
      'an index past the call limit',
      [fragment([head(64, 'c', 'x')]), FINISH],
      'E_RESOURCE_LIMIT',
      /more than 64 tool calls/,
    ],
    [
      'arguments over the size limit',
      [
        fragment([head(0, 'c', 'x')]),
        ...Array.from({ length: 17 }, () =>
          fragment([piece(0, 'a'.repeat(DEFAULT_MAX_TOOL_ARGUMENTS_CHARS / 16))]),
        ),
        FINISH,
      ],
      'E_RESOURCE_LIMIT',
      /over 1048576 characters/,
    ],
  ]
  for (const [name, payloads, code, message] of malformed) {
    test(`${name}: ${code}, never a silent drop`, async (t) => {
      const provider = await rawSse(t, payloads)
      await assert.rejects(
        collect(provider, { messages: [ASK] }),
        (error: unknown) => error instanceof HubError && error.code === code && message.test(error.message),
      )
    })
  }

  test('deeply nested arguments parse or fail cleanly, never crash', async (t) => {
    const depth = 100_000
    const provider = await rawSse(t, [
      fragment([head(0, 'c', 'x')]),
      fragment([piece(0, `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`)]),
      FINISH,
    ])
    try {
      const parts = await collect(provider, { messages: [ASK] })
      assert.equal(parts[0]?.type, 'tool_call')
    } catch (error) {
      assert.ok(error instanceof HubError && error.code === 'E_VALIDATION')
    }
  })
})
