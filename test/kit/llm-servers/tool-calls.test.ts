import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type ScriptRequest,
  startOllamaServer,
  startOpenAiServer,
  TOOL_ARGUMENT_PIECE_CHARS,
} from './index.ts'

// biome-ignore lint/suspicious/noExplicitAny: these tests read arbitrary JSON answers field by field
type Json = any

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'write_file',
      description: 'Write a file',
      parameters: { type: 'object', properties: {} },
    },
  },
]
const ARGUMENTS = { path: 'notes/a.md', content: 'one two three' }

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** Calls write_file until a tool result is present; records what the script saw. */
function writer(seen: ScriptRequest[]) {
  return {
    toolCalls: (request: ScriptRequest & { tools?: unknown[] }) => {
      seen.push(request)
      return request.messages.some((message) => message.role === 'tool')
        ? undefined
        : [{ name: 'write_file', arguments: ARGUMENTS }]
    },
    reply: (request: ScriptRequest) =>
      request.messages.some((message) => message.role === 'tool') ? 'Done: wrote the file' : 'no',
  }
}

describe('fake Ollama server: tool calls', () => {
  test('one line with message.tool_calls and done:false, then the final line with done_reason stop', async (t) => {
    const seen: ScriptRequest[] = []
    const server = await startOllamaServer(writer(seen))
    t.after(() => server.close())
    const response = await post(`${server.url}/api/chat`, {
      model: 'tiny',
      messages: [{ role: 'user', content: 'write' }],
      tools: TOOLS,
    })
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Json)
    assert.equal(lines.length, 2)
    assert.deepEqual(lines[0].message, {
      role: 'assistant',
      content: '',
      tool_calls: [{ function: { name: 'write_file', arguments: ARGUMENTS } }],
    })
    assert.equal(lines[0].done, false)
    assert.equal(lines[1].done, true)
    assert.equal(lines[1].done_reason, 'stop')
    assert.deepEqual(lines[1].message, { role: 'assistant', content: '' })
    assert.deepEqual(seen[0]?.tools, TOOLS)
    assert.deepEqual((server.chatRequests[0]!.body as Json).tools, TOOLS)
  })

  test('the script sees tool results and earlier calls; stream:false carries tool_calls', async (t) => {
    const seen: ScriptRequest[] = []
    const server = await startOllamaServer(writer(seen))
    t.after(() => server.close())
    const messages = [
      { role: 'user', content: 'write' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ function: { name: 'write_file', arguments: ARGUMENTS } }],
      },
      { role: 'tool', content: '{"status":"done"}', tool_name: 'write_file' },
    ]
    const answer = (await (
      await post(`${server.url}/api/chat`, { model: 'tiny', messages, tools: TOOLS, stream: false })
    ).json()) as Json
    assert.equal(answer.message.content, 'Done: wrote the file')
    assert.deepEqual(seen[0]?.messages.slice(1), [
      { role: 'assistant', content: '', toolCalls: [{ name: 'write_file', arguments: ARGUMENTS }] },
      { role: 'tool', content: '{"status":"done"}', toolName: 'write_file' },
    ])
    const first = (await (
      await post(`${server.url}/api/chat`, { model: 'tiny', messages: messages.slice(0, 1), stream: false })
    ).json()) as Json
    assert.deepEqual(first.message.tool_calls, [{ function: { name: 'write_file', arguments: ARGUMENTS } }])
    assert.equal(first.done_reason, 'stop')
  })

  test('malformed tool parts get 400s (arguments as a string, bad tools), and the server keeps working', async (t) => {
    const server = await startOllamaServer()
    t.after(() => server.close())
    const chat = (body: object) => post(`${server.url}/api/chat`, { model: 'tiny', ...body })
    const stringArguments = [
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'x', arguments: '{}' } }] },
    ]
    assert.equal((await chat({ messages: stringArguments })).status, 400)
    assert.equal((await chat({ messages: [{ role: 'tool', content: 'x', tool_name: 5 }] })).status, 400)
    assert.equal((await chat({ messages: [], tools: { a: 1 } })).status, 400)
    assert.equal((await chat({ messages: [], tools: [{ type: 'function', function: {} }] })).status, 400)
    assert.equal((await chat({ messages: [] })).status, 200)
  })
})

describe('fake OpenAI server: tool calls', () => {
  test('head fragment, argument pieces over several chunks, finish_reason tool_calls, usage, [DONE]', async (t) => {
    const seen: ScriptRequest[] = []
    const server = await startOpenAiServer(writer(seen))
    t.after(() => server.close())
    const response = await post(`${server.baseUrl}/chat/completions`, {
      model: 'tiny',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'write' }],
      tools: TOOLS,
    })
    const events = (await response.text()).split('\n\n').filter(Boolean)
    assert.equal(events.at(-1), 'data: [DONE]')
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, '')) as Json)
    const deltas = chunks.slice(0, -2).map((chunk) => chunk.choices[0].delta)
    assert.deepEqual(deltas[0], {
      role: 'assistant',
      content: null,
      tool_calls: [
        { index: 0, id: 'call_fake1_0', type: 'function', function: { name: 'write_file', arguments: '' } },
      ],
    })
    const pieces = deltas.slice(1).map((delta: Json) => {
      assert.deepEqual(Object.keys(delta), ['tool_calls'])
      assert.equal(delta.tool_calls[0].index, 0)
      assert.equal(delta.tool_calls[0].id, undefined)
      return delta.tool_calls[0].function.arguments as string
    })
    assert.ok(pieces.length > 3)
    assert.ok(pieces.every((text) => text.length <= TOOL_ARGUMENT_PIECE_CHARS))
    assert.equal(pieces.join(''), JSON.stringify(ARGUMENTS))
    assert.equal(chunks.at(-2).choices[0].finish_reason, 'tool_calls')
    assert.equal(chunks.at(-1).usage.completion_tokens, deltas.length)
    assert.deepEqual(seen[0]?.tools, TOOLS)
  })

  test('the script sees call ids and tool results; stream:false carries tool_calls with a JSON string', async (t) => {
    const seen: ScriptRequest[] = []
    const server = await startOpenAiServer(writer(seen))
    t.after(() => server.close())
    const call = {
      id: 'call_9',
      type: 'function',
      function: { name: 'write_file', arguments: JSON.stringify(ARGUMENTS) },
    }
    const messages = [
      { role: 'user', content: 'write' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_9', content: '{"status":"done"}' },
    ]
    const answer = (await (
      await post(`${server.baseUrl}/chat/completions`, { model: 'tiny', messages, tools: TOOLS })
    ).json()) as Json
    assert.equal(answer.choices[0].message.content, 'Done: wrote the file')
    assert.deepEqual(seen[0]?.messages.slice(1), [
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_9', name: 'write_file', arguments: ARGUMENTS }],
      },
      { role: 'tool', content: '{"status":"done"}', toolCallId: 'call_9' },
    ])
    const first = (await (
      await post(`${server.baseUrl}/chat/completions`, { model: 'tiny', messages: messages.slice(0, 1) })
    ).json()) as Json
    assert.equal(first.choices[0].finish_reason, 'tool_calls')
    assert.equal(first.choices[0].message.content, null)
    assert.equal(first.choices[0].message.tool_calls[0].function.arguments, JSON.stringify(ARGUMENTS))
  })

  test('OpenAI pairing rules and malformed tool parts get 400s with a message', async (t) => {
    const server = await startOpenAiServer()
    t.after(() => server.close())
    const chat = async (messages: unknown[]) => {
      const response = await post(`${server.baseUrl}/chat/completions`, { model: 'tiny', messages })
      return { status: response.status, message: ((await response.json()) as Json).error?.message as string }
    }
    const call = (id: string, argumentsText = '{}') => ({
      id,
      type: 'function',
      function: { name: 'x', arguments: argumentsText },
    })
    const orphan = await chat([{ role: 'tool', tool_call_id: 'nope', content: '{}' }])
    assert.equal(orphan.status, 400)
    assert.match(orphan.message, /must be a response to a preceeding message/)
    const unanswered = await chat([
      { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] },
      { role: 'tool', tool_call_id: 'a', content: '{}' },
      { role: 'user', content: 'next' },
    ])
    assert.equal(unanswered.status, 400)
    assert.match(unanswered.message, /did not have response messages: b/)
    assert.equal((await chat([{ role: 'tool', content: '{}' }])).status, 400)
    assert.equal(
      (await chat([{ role: 'assistant', content: null, tool_calls: [call('a', '{bad')] }])).status,
      400,
    )
    assert.equal((await chat([{ role: 'user', content: null }])).status, 400)
    const fine = await chat([
      { role: 'assistant', content: null, tool_calls: [call('a')] },
      { role: 'tool', tool_call_id: 'a', content: '{}' },
    ])
    assert.equal(fine.status, 200)
  })
})
