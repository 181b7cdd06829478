import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type Context, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api'
import { kitRunner, validatingPublisher } from '../../../test/kit/pipeline-runner.ts'
import { loadCatalog } from '../../catalog/index.ts'
import { createContracts, type Envelope, HubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import type { RunPart, SkillRuntime } from '../../skill-api/index.ts'
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
  steps: [
    { emit: 'chat.query' },
    { call: 'skill.rag', optional: true },
    { call: 'skill.llm' },
    { emit: 'turn.end' },
  ],
}

function fakeProvider(tokens: string[], failAfter?: number): LlmProvider {
  return {
    name: 'ollama',
    model: 'test-model',
    async *chat(request, signal) {
      assert.equal(request.messages.at(-1)?.content, 'hello?')
      for (const [index, text] of tokens.entries()) {
        if (failAfter !== undefined && index === failAfter)
          throw new HubError('E_IO', 'the model server went away')
        signal?.throwIfAborted()
        yield { type: 'token', text }
      }
      yield {
        type: 'done',
        usage: { promptTokens: 3, completionTokens: tokens.length },
        finishReason: 'stop',
        model: 'test-model',
      }
    },
    health: async () => ({ ok: true, provider: 'ollama', target: 'test' }),
    close: async () => undefined,
  }
}

interface SpanRecord {
  name: string
  attributes: Record<string, unknown>
  parent?: string
  status?: { code: number }
  ended: boolean
}

// Just enough of the OpenTelemetry Tracer interface to see which spans the kernel makes; with
// `recording` false its spans answer isRecording() as a no-op or unsampled span does.
function recordingTracer(recording = true): { tracer: Tracer; spans: SpanRecord[] } {
  const spans: SpanRecord[] = []
  const tracer = {
    startSpan(name: string, options: { attributes?: Record<string, unknown> } = {}, context?: Context) {
      const parent =
        context === undefined ? undefined : (trace.getSpan(context) as unknown as { record?: SpanRecord })
      const record: SpanRecord = { name, attributes: { ...options.attributes }, ended: false }
      if (parent?.record !== undefined) record.parent = parent.record.name
      spans.push(record)
      const span = {
        record,
        spanContext: () => ({
          traceId: '1'.repeat(32),
          spanId: String(spans.length).padStart(16, '0'),
          traceFlags: 1,
        }),
        setAttribute: (key: string, value: unknown) => {
          record.attributes[key] = value
          return span
        },
        setStatus: (status: { code: number }) => {
          record.status = status
          return span
        },
        end: () => {
          record.ended = true
        },
        isRecording: () => recording,
      }
      return span
    },
  }
  return { tracer: tracer as unknown as Tracer, spans }
}

function setup(skills: SkillRuntime[], tracer?: Tracer) {
  const published: Envelope[] = []
  const runner = kitRunner({
    machine,
    skills,
    publisher: validatingPublisher((event) => published.push(event)),
    ...(tracer === undefined ? {} : { tracer }),
  })
  const service = new ChatService({ runner, pipeline })
  return { service, published }
}

describe('chat turn', () => {
  test('a turn publishes the documented sequence as one causal chain with one traceId', async () => {
    const { service, published } = setup([
      createLlmStep({ id: 'skill.llm', provider: fakeProvider(['Hel', 'lo']) }),
    ])
    const parts: RunPart[] = []
    const turn = await service.run(
      { text: 'hello?', sessionId: 's1' },
      new AbortController().signal,
      (part) => parts.push(part),
    )
    assert.equal(turn.answer, 'Hello')
    assert.deepEqual(
      parts.map((part) => part.kind),
      ['start', 'chunk', 'chunk', 'end'],
    )
    const types = published.map((event) => event.type)
    assert.deepEqual(types.slice(0, 5), [
      'turn.start',
      'pipeline.status',
      'chat.query',
      'session.state.changed',
      'pipeline.status',
    ])
    assert.ok(
      types.includes('pipeline.step.skipped'),
      'the missing optional rag skill is skipped with a warning',
    )
    const order = [
      'chat.prompt',
      'stream.start',
      'llm.token',
      'stream.chunk',
      'llm.complete',
      'stream.end',
      'chat.message',
      'turn.end',
    ]
    const positions = order.map((type) => types.indexOf(type))
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
      `order of ${types.join(', ')}`,
    )
    const end = types.indexOf('turn.end')
    assert.equal(types[end + 1], 'session.state.changed')
    assert.equal(published[end + 1]?.payload.to, 'idle')
    assert.equal(new Set(published.map((event) => event.traceId)).size, 1)
    const stored = published.filter((event) => contracts.entry(event.type)?.stored !== false)
    for (let index = 1; index < stored.length; index++) {
      assert.equal(stored[index]!.causationId, stored[index - 1]!.id, `causation of ${stored[index]!.type}`)
    }
  })

  test('a failing required step ends the turn with error.raised and turn.end outcome error, state back to idle', async () => {
    const { service, published } = setup([
      createLlmStep({ id: 'skill.llm', provider: fakeProvider(['a', 'b', 'c'], 1) }),
    ])
    const parts: RunPart[] = []
    const turn = await service.run(
      { text: 'hello?', sessionId: 's2' },
      new AbortController().signal,
      (part) => parts.push(part),
    )
    assert.equal(turn.outcome, 'error')
    assert.deepEqual(parts.at(-1), { kind: 'error', code: 'E_IO', message: 'the model server went away' })
    const error = published.find((event) => event.type === 'error.raised')
    assert.equal(error?.payload.code, 'E_IO')
    const end = published.find((event) => event.type === 'turn.end')
    assert.equal(end?.payload.outcome, 'error')
    const states = published
      .filter((event) => event.type === 'session.state.changed')
      .map((event) => event.payload.to)
    assert.deepEqual(states, ['thinking', 'error', 'idle'])
  })

  test('a required skill that is missing fails fast with E_DEPENDENCY_UNAVAILABLE', async () => {
    const { service } = setup([])
    const parts: RunPart[] = []
    await service.run({ text: 'hello?' }, new AbortController().signal, (part) => parts.push(part))
    assert.equal(parts.at(-1)?.kind === 'error' ? parts.at(-1) : undefined, parts.at(-1))
    assert.match(JSON.stringify(parts.at(-1)), /E_DEPENDENCY_UNAVAILABLE.*skill\.llm/)
  })

  test('a turn is one OpenTelemetry span with a child span per pipeline step; failures mark both', async () => {
    const ok = recordingTracer()
    await setup([createLlmStep({ id: 'skill.llm', provider: fakeProvider(['a']) })], ok.tracer).service.run(
      { text: 'hello?', sessionId: 's4', traceId: 'trace-otel' },
      new AbortController().signal,
      () => undefined,
    )
    const turn = ok.spans.find((span) => span.name === 'chat.turn')
    assert.equal(turn?.attributes['localhub.trace_id'], 'trace-otel')
    assert.equal(turn?.attributes['localhub.outcome'], 'ok')
    const steps = ok.spans.filter((span) => span.name.startsWith('pipeline.step'))
    assert.deepEqual(
      steps.map((span) => span.name),
      ['pipeline.step emit:chat.query', 'pipeline.step call:skill.llm', 'pipeline.step emit:turn.end'],
    )
    assert.ok(steps.every((span) => span.parent === 'chat.turn' && span.ended))
    const failing = recordingTracer()
    await setup(
      [createLlmStep({ id: 'skill.llm', provider: fakeProvider(['a', 'b'], 1) })],
      failing.tracer,
    ).service.run({ text: 'hello?' }, new AbortController().signal, () => undefined)
    assert.equal(
      failing.spans.find((span) => span.name === 'pipeline.step call:skill.llm')?.status?.code,
      SpanStatusCode.ERROR,
    )
    assert.equal(failing.spans.find((span) => span.name === 'chat.turn')?.status?.code, SpanStatusCode.ERROR)
  })

  test('under a turn span that does not record, no step span is made (decision 1757)', async () => {
    const quiet = recordingTracer(false)
    const { service, published } = setup(
      [createLlmStep({ id: 'skill.llm', provider: fakeProvider(['a']) })],
      quiet.tracer,
    )
    await service.run({ text: 'hello?', sessionId: 's5' }, new AbortController().signal, () => undefined)
    assert.deepEqual(
      quiet.spans.map((span) => [span.name, span.ended]),
      [['chat.turn', true]],
    )
    // The steps ran all the same.
    assert.equal(published.filter((event) => event.type === 'pipeline.status').length, 7)
  })

  test('empty and oversized text are refused before anything is published', async () => {
    const { service, published } = setup([])
    await assert.rejects(
      service.run({ text: '  ' }, new AbortController().signal, () => undefined),
      /non-empty/,
    )
    await assert.rejects(
      service.run({ text: 'x'.repeat(40_000) }, new AbortController().signal, () => undefined),
      /longer than/,
    )
    assert.equal(published.length, 0)
  })
})
