import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type FakeOpenAiServerOptions,
  startOpenAiServer,
  TOOL_ARGUMENT_PIECE_CHARS,
} from '../../../test/kit/llm-servers/index.ts'
import { HubError } from '../../contracts/index.ts'
import { type LlmConfigInput, resolveLlmConfig } from './config.ts'
import { createOpenAiProvider } from './openai-provider.ts'
import type { LlmChatRequest, LlmDelta, LlmMessage, LlmProvider, LlmToolDefinition } from './types.ts'

const FAST: LlmConfigInput = {
  provider: 'openai',
  model: 'tiny',
  retryBaseDelayMs: 5,
  retryMaxDelayMs: 20,
  maxRetries: 0,
}

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

const WRITE_ARGUMENTS = { path: 'docs/note.md', content: 'héllo 🌍\n"quoted" and a longer line of text' }
const ASK: LlmMessage = { role: 'user', content: 'write me a note' }

const hasToolResult = (messages: { role: string }[]): boolean =>
  messages.some((message) => message.role === 'tool')

const WRITER: FakeOpenAiServerOptions = {
  toolCalls: (request) =>
    request.tools !== undefined && !hasToolResult(request.messages)
      ? [{ name: 'write_file', arguments: WRITE_ARGUMENTS }]
      : undefined,
  reply: (request) => (hasToolResult(request.messages) ? 'Done: wrote the file' : 'plain text'),
}

async function setup(t: After, serverOptions: FakeOpenAiServerOptions = {}, config: LlmConfigInput = {}) {
  const server = await startOpenAiServer(serverOptions)
  t.after(() => server.close())
  const provider = createOpenAiProvider(
    resolveLlmConfig({ manifest: { ...FAST, ...config, baseUrl: server.baseUrl } }),
  )
  t.after(() => provider.close())
  return { server, provider }
}

async function collect(provider: LlmProvider, request: LlmChatRequest): Promise<LlmDelta[]> {
  const parts: LlmDelta[] = []
  for await (const part of provider.chat(request)) parts.push(part)
  return parts
}

const text = (parts: LlmDelta[]): string =>
  parts.map((part) => (part.type === 'token' ? part.text : '')).join('')

/** A raw server that answers with exactly these SSE data payloads. */
describe('OpenAI-compatible provider: tool calls', () => {
  for (const chunking of [undefined, { maxBytes: 7, delayMs: 1 }]) {
    test(`arguments split across chunks are joined and parsed; the follow-up has OpenAI's shapes (chunking ${chunking !== undefined})`, async (t) => {
      const { server, provider } = await setup(t, { ...WRITER, ...(chunking ? { chunking } : {}) })
      const parts = await collect(provider, { messages: [ASK], tools: [WRITE_FILE] })
      assert.deepEqual(parts.slice(0, -1), [
        { type: 'tool_call', id: 'call_fake1_0', name: 'write_file', arguments: WRITE_ARGUMENTS },
      ])
      const done = parts.at(-1)
      assert.ok(done?.type === 'done')
      assert.equal(done.finishReason, 'tool_calls')
      // One head fragment plus the argument pieces, as the server counted them.
      const pieces = Math.ceil(Array.from(JSON.stringify(WRITE_ARGUMENTS)).length / TOOL_ARGUMENT_PIECE_CHARS)
      assert.ok(pieces > 5)
      assert.equal(done.usage.completionTokens, pieces + 1)
      assert.deepEqual((server.chatRequests[0]!.body as Record<string, unknown>).tools, [WRITE_FILE])

      const call = parts[0]!
      assert.ok(call.type === 'tool_call')
      const result = JSON.stringify({ status: 'done' })
      const followUp = await collect(provider, {
        messages: [
          ASK,
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: call.id, name: call.name, arguments: call.arguments }],
          },
          { role: 'tool', toolCallId: call.id, name: call.name, content: result },
        ],
        tools: [WRITE_FILE],
      })
      assert.equal(text(followUp), 'Done: wrote the file')
      const last = followUp.at(-1)
      assert.ok(last?.type === 'done' && last.finishReason === 'stop')
      const sent = server.chatRequests[1]!.body as { messages: unknown[] }
      assert.deepEqual(sent.messages, [
        { role: 'user', content: 'write me a note' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_fake1_0',
              type: 'function',
              function: { name: 'write_file', arguments: JSON.stringify(WRITE_ARGUMENTS) },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_fake1_0', content: result },
      ])
    })
  }

  test('offered tools the model does not use: the text answer is unchanged', async (t) => {
    const { provider } = await setup(t, { toolCalls: () => [] })
    const parts = await collect(provider, { messages: [ASK], tools: [WRITE_FILE] })
    assert.equal(text(parts), 'You said: write me a note (1 messages)')
    assert.equal(parts.filter((part) => part.type === 'tool_call').length, 0)
    const done = parts.at(-1)
    assert.ok(done?.type === 'done' && done.finishReason === 'stop')
  })

  test('a slow stream of argument pieces keeps the stall deadlines from firing', async (t) => {
    const { provider } = await setup(
      t,
      { ...WRITER, tokenDelayMs: 25 },
      { firstTokenTimeoutMs: 150, idleTimeoutMs: 150 },
    )
    const parts = await collect(provider, { messages: [ASK], tools: [WRITE_FILE] })
    assert.deepEqual(parts[0], {
      type: 'tool_call',
      id: 'call_fake1_0',
      name: 'write_file',
      arguments: WRITE_ARGUMENTS,
    })
  })

  test('a tool-call stream cut off before its end yields no call and fails as truncated', async (t) => {
    const { provider } = await setup(t, { ...WRITER, truncateAfterTokens: 3 })
    const parts: LlmDelta[] = []
    await assert.rejects(
      (async () => {
        for await (const part of provider.chat({ messages: [ASK], tools: [WRITE_FILE] })) parts.push(part)
      })(),
      (error: unknown) => error instanceof HubError && /without completing/.test(error.message),
    )
    assert.deepEqual(parts, [])
  })

  test('arguments cut off by the token limit are E_VALIDATION saying so', async (t) => {
    const { provider } = await setup(t, WRITER)
    await assert.rejects(
      collect(provider, { messages: [ASK], tools: [WRITE_FILE], options: { maxTokens: 4 } }),
      (error: unknown) =>
        error instanceof HubError &&
        error.code === 'E_VALIDATION' &&
        /"write_file".*cut off by the token limit/.test(error.message) &&
        error.details?.issues?.[0]?.path === '/choices/0/delta/tool_calls/0/function/arguments',
    )
  })

  test('a tool result without toolCallId is E_BAD_REQUEST and nothing is sent', async (t) => {
    const { server, provider } = await setup(t, WRITER)
    await assert.rejects(
      collect(provider, {
        messages: [
          ASK,
          { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'write_file', arguments: {} }] },
          { role: 'tool', content: '{}' },
        ],
      }),
      (error: unknown) =>
        error instanceof HubError &&
        error.code === 'E_BAD_REQUEST' &&
        error.details?.issues?.[0]?.path === '/messages/2/toolCallId',
    )
    assert.equal(server.chatRequests.length, 0)
  })

  test("a result for a call the server never saw is the server's 400, kept as E_BAD_REQUEST", async (t) => {
    const { provider } = await setup(t, WRITER)
    await assert.rejects(
      collect(provider, { messages: [ASK, { role: 'tool', toolCallId: 'nobody', content: '{}' }] }),
      (error: unknown) =>
        error instanceof HubError &&
        error.code === 'E_BAD_REQUEST' &&
        /preceeding message with 'tool_calls'/.test(error.message),
    )
  })
})
