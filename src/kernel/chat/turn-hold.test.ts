// A chat turn hands its bookkeeping events to the bus after its first token (decision 1730): what
// this relies on is that none is lost, the log order is the emit order, the causal chain holds,
// and a turn that never streams a token (an error, a slow model) still publishes everything.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { kitRunner, validatingPublisher } from '../../../test/kit/pipeline-runner.ts'
import { loadCatalog } from '../../catalog/index.ts'
import { createContracts, type Envelope, HubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import type { RunPart } from '../../skill-api/index.ts'
import { createLlmStep, type LlmProvider } from '../../skills/llm/index.ts'
import { compileStateMachine } from '../sessions/index.ts'
import { ChatService } from './chat-service.ts'

const contracts = createContracts(loadCatalog().document)
const machine = compileStateMachine({
  states: ['idle', 'thinking', 'error'],
  transitions: [
    { on: 'chat.query', from: 'idle', to: 'thinking' },
    { on: 'error.*', from: '*', to: 'error' },
    { on: 'turn.end', from: '*', to: 'idle' },
  ],
})
const pipeline: Pipeline = {
  id: 'pipeline.chat.text',
  steps: [{ emit: 'chat.query' }, { call: 'skill.llm', stream: true }, { emit: 'turn.end' }],
}

function provider(tokens: string[], options: { delayMs?: number; failFirst?: boolean } = {}): LlmProvider {
  return {
    name: 'ollama',
    model: 'test-model',
    async *chat() {
      if (options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.delayMs))
      if (options.failFirst === true) throw new HubError('E_IO', 'the model server went away')
      for (const text of tokens) yield { type: 'token', text }
      yield {
        type: 'done',
        usage: { promptTokens: 1, completionTokens: tokens.length },
        finishReason: 'stop',
        model: 'test-model',
      }
    },
    health: async () => ({ ok: true, provider: 'ollama', target: 'test' }),
    close: async () => undefined,
  }
}

/** Runs one HTTP chat turn; records each publish with the parts the client had seen by then. */
async function turn(llm: LlmProvider) {
  const published: { event: Envelope; partsSeen: number }[] = []
  const parts: RunPart[] = []
  const runner = kitRunner({
    machine,
    skills: [createLlmStep({ id: 'skill.llm', provider: llm })],
    publisher: validatingPublisher((event) => published.push({ event, partsSeen: parts.length })),
  })
  const service = new ChatService({ runner, pipeline })
  const run = await service.run({ text: 'hello?', sessionId: 's1' }, new AbortController().signal, (part) =>
    parts.push(part),
  )
  return { run, parts, published, events: published.map((entry) => entry.event) }
}

function assertOneChain(events: Envelope[]): void {
  const stored = events.filter((event) => contracts.entry(event.type)?.stored !== false)
  for (let index = 1; index < stored.length; index++)
    assert.equal(stored[index]!.causationId, stored[index - 1]!.id, `causation of ${stored[index]!.type}`)
}

describe('a chat turn holds its events until the first token', () => {
  test('nothing reaches the bus before the first token; then every event, in emit order, one chain', async () => {
    const { run, parts, published, events } = await turn(provider(['Hel', 'lo']))
    assert.equal(run.outcome, 'ok')
    assert.deepEqual(
      parts.map((part) => part.kind),
      ['start', 'chunk', 'chunk', 'end'],
    )
    // The client had the stream's start and the first token before the bus had any event.
    assert.ok(published.length > 0)
    assert.ok(
      published.every((entry) => entry.partsSeen >= 2),
      `published with parts seen: ${published.map((entry) => entry.partsSeen).join(',')}`,
    )
    const types = events.map((event) => event.type)
    const documented = [
      'turn.start',
      'pipeline.status',
      'chat.query',
      'session.state.changed',
      'pipeline.status',
      'pipeline.status',
      'chat.prompt',
      'stream.start',
      'llm.token',
      'stream.chunk',
      'llm.token',
      'stream.chunk',
      'llm.complete',
      'stream.end',
      'chat.message',
      'pipeline.status',
      'pipeline.status',
      'turn.end',
      'session.state.changed',
      'pipeline.status',
    ]
    assert.deepEqual(types, documented)
    // Ids and timestamps were given when emitted, so ts order is emit order too.
    const times = events.map((event) => Date.parse(event.ts))
    assert.deepEqual(
      [...times].sort((a, b) => a - b),
      times,
    )
    assertOneChain(events)
  })

  test('a turn that fails before any token still publishes every event, error.raised and turn.end last', async () => {
    const { run, events } = await turn(provider([], { failFirst: true }))
    assert.equal(run.outcome, 'error')
    const types = events.map((event) => event.type)
    assert.equal(types[0], 'turn.start')
    assert.ok(types.includes('chat.query') && types.includes('stream.start'))
    const raised = types.indexOf('error.raised')
    assert.ok(raised > types.indexOf('stream.start'))
    assert.equal(events.find((event) => event.type === 'turn.end')?.payload.outcome, 'error')
    assertOneChain(events)
  })

  test('a slow model does not keep the events back: they go to the bus before its first token', async () => {
    const { published, events } = await turn(provider(['late'], { delayMs: 600 }))
    const beforeToken = published.filter((entry) => entry.partsSeen < 2).map((entry) => entry.event.type)
    assert.ok(
      beforeToken.includes('turn.start') && beforeToken.includes('stream.start'),
      beforeToken.join(','),
    )
    assertOneChain(events)
  })
})
