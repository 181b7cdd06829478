// What decision 1758 relies on: the first model request is on its socket before chat.prompt and
// stream.start are emitted; both are still emitted before any token event; and a refused emit
// stops the request already sent.
import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { test } from 'node:test'
import { startOllamaServer } from '../../../test/kit/llm-servers/index.ts'
import { HubError } from '../../contracts/index.ts'
import { createRunState, type RunEmitter, type StepContext } from '../../skill-api/index.ts'
import { resolveLlmConfig } from './config.ts'
import { createLlmStep } from './llm-step.ts'
import { createOllamaProvider } from './ollama-provider.ts'
import { LLM_FIRST_TOKEN_CHANNEL, type LlmFirstTokenMessage } from './request-marks.ts'
import type { LlmProvider } from './types.ts'

function contextOf(emitter: RunEmitter, signal = new AbortController().signal): StepContext {
  const run = createRunState({
    pipelineId: 'pipeline.chat.text',
    traceId: 'trace-llm-step',
    sessionId: 's1',
    trigger: { kind: 'http', route: '/chat' },
    startedAt: Date.now(),
    text: 'hello?',
  })
  return {
    run,
    step: { call: 'skill.llm', stream: true },
    pipeline: { id: 'pipeline.chat.text', steps: [] },
    emitter,
    signal,
    metrics: { observe: () => undefined },
    onPart: () => undefined,
  }
}

/** Records each emit's type and the moment it was made. */
function recordingEmitter(refuse?: string) {
  const emitted: { type: string; at: number }[] = []
  const emitUntyped: RunEmitter['emitUntyped'] = async (type) => {
    if (type === refuse) throw new HubError('E_VALIDATION', `${type} refused`)
    emitted.push({ type, at: performance.now() })
    return {} as never
  }
  const emitter: RunEmitter = { emit: (type, payload) => emitUntyped(type, payload as never), emitUntyped }
  return { emitter, emitted }
}

test('the model request leaves before chat.prompt and stream.start, which still precede the tokens', async (t) => {
  const server = await startOllamaServer({ models: ['tiny'], reply: () => 'a b' })
  t.after(() => server.close())
  const provider = createOllamaProvider(resolveLlmConfig({ flags: { baseUrl: server.url, model: 'tiny' } }))
  t.after(() => provider.close())
  let reported: LlmFirstTokenMessage | undefined
  const listener = (message: unknown) => {
    reported = message as LlmFirstTokenMessage
  }
  subscribe(LLM_FIRST_TOKEN_CHANNEL, listener)
  t.after(() => unsubscribe(LLM_FIRST_TOKEN_CHANNEL, listener))
  const step = createLlmStep({ id: 'skill.llm', provider })
  // The first turn opens the keep-alive connection (its request waits for the connect); the
  // second is a turn as most are, on the open connection.
  await step.invoke(contextOf(recordingEmitter().emitter))
  const { emitter, emitted } = recordingEmitter()
  await step.invoke(contextOf(emitter))
  const types = emitted.map((entry) => entry.type)
  assert.deepEqual(types.slice(0, 3), ['chat.prompt', 'stream.start', 'llm.token'])
  assert.ok(reported !== undefined)
  const prompt = emitted[0]!.at
  assert.ok(reported.sentAt < prompt, `request on the socket at ${reported.sentAt}, chat.prompt at ${prompt}`)
})

test('a refused chat.prompt stops the request already sent', async () => {
  let abortedWith: unknown
  const provider: LlmProvider = {
    name: 'ollama',
    model: 'test-model',
    async *chat(_request, signal) {
      await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }))
      abortedWith = signal?.reason
      throw signal?.reason
    },
    health: async () => ({ ok: true, provider: 'ollama', target: 'test' }),
    close: async () => undefined,
  }
  const { emitter } = recordingEmitter('chat.prompt')
  await assert.rejects(createLlmStep({ id: 'skill.llm', provider }).invoke(contextOf(emitter)), {
    code: 'E_VALIDATION',
  })
  // The abort reaches the provider's request in the same turn of the event loop.
  await new Promise((resolve) => setImmediate(resolve))
  assert.match(String((abortedWith as Error | undefined)?.message), /chat.prompt refused/)
})
