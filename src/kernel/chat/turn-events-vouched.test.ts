// What decision 2076 relies on in a chat turn: every event the turn emitter checks at its emit (a
// skill's, and the kernel's own once the hold is over) reaches the bus vouched for by the bus's
// own contracts, so the bus does not check it again; the kernel's events held before the first
// token were not checked at emit and reach the bus unvouched, so the bus checks them. Every event
// is still stored, in emit order.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { openBus } from '../../bus-factory/index.ts'
import { loadCatalog } from '../../catalog/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import type { RunPart } from '../../skill-api/index.ts'
import { createLlmStep, type LlmProvider } from '../../skills/llm/index.ts'
import { PipelineRunner } from '../pipeline/index.ts'
import { compileStateMachine, SessionRegistry } from '../sessions/index.ts'

const registry = loadCatalog().document
const machine = compileStateMachine({
  states: ['idle', 'thinking'],
  transitions: [
    { on: 'chat.query', from: 'idle', to: 'thinking' },
    { on: 'turn.end', from: '*', to: 'idle' },
  ],
})
const provider: LlmProvider = {
  name: 'ollama',
  model: 'test-model',
  async *chat() {
    yield { type: 'token', text: 'Hi' }
    yield { type: 'token', text: ' there' }
    yield { type: 'done', usage: { promptTokens: 1, completionTokens: 2 }, finishReason: 'stop', model: 'm' }
  },
  health: async () => ({ ok: true, provider: 'ollama', target: 'test' }),
  close: async () => undefined,
}

test("a turn's events checked at emit reach the bus vouched for; held kernel events do not", async () => {
  const bus = await openBus({ transport: 'memory', registry })
  after(() => bus.close())
  // Reads (and spends) each draft's mark on its way to the bus, which then checks it again: this
  // test looks at what the emitter hands over, the bus side is src/bus/vouched-envelope.test.ts.
  const handedOver: { type: string; vouched: boolean; afterToken: boolean }[] = []
  let sawToken = false
  // Events emitted before the first token are the ones the turn held (decision 1730).
  const emittedBeforeToken = new Set<string>()
  const note = (draft: unknown) => {
    const envelope = draft as Envelope
    handedOver.push({
      type: envelope.type,
      vouched: bus.contracts.takeVouched(envelope),
      afterToken: !emittedBeforeToken.has(envelope.id),
    })
  }
  const runner = new PipelineRunner({
    publisher: {
      publishUntyped(draft) {
        note(draft)
        return bus.publishUntyped(draft)
      },
      publishManyUntyped(drafts) {
        for (const draft of drafts) note(draft)
        return bus.publishManyUntyped(drafts)
      },
    },
    contracts: bus.contracts,
    sessions: new SessionRegistry(machine, { now: Date.now, setTimeout, clearTimeout }),
    skills: {
      runtimes: new Map([['skill.llm', createLlmStep({ id: 'skill.llm', provider })]]),
      conditions: {},
      emitterFor: (_skill, emitter) => emitter,
      beforeEmit: async () => undefined,
    },
    metrics: { observe: () => undefined },
  })
  const pipeline: Pipeline = {
    id: 'pipeline.chat.text',
    steps: [{ emit: 'chat.query' }, { call: 'skill.llm', stream: true }, { emit: 'turn.end' }],
  }
  const run = await runner.run({
    pipeline,
    trigger: { kind: 'http', route: '/chat' },
    text: 'hello?',
    sessionId: 's1',
    signal: new AbortController().signal,
    onPart: (part: RunPart) => {
      if (part.kind === 'chunk') sawToken = true
    },
    onEvent: (event) => {
      if (!sawToken) emittedBeforeToken.add(event.id)
    },
  })
  assert.equal(run.outcome, 'ok')
  const own = new Set(['turn.start', 'pipeline.status', 'chat.query', 'session.state.changed', 'turn.end'])
  const held = handedOver.filter((entry) => !entry.afterToken)
  assert.ok(held.length >= 8, `held: ${held.map((entry) => entry.type)}`)
  for (const entry of handedOver) {
    const checkedAtEmit = !own.has(entry.type) || entry.afterToken
    assert.equal(entry.vouched, checkedAtEmit, `${entry.type} (after the first token: ${entry.afterToken})`)
  }
  assert.ok(handedOver.some((entry) => own.has(entry.type) && entry.afterToken && entry.vouched))
  assert.ok(handedOver.some((entry) => !own.has(entry.type) && !entry.afterToken && entry.vouched))
  // Everything stored, in the order it was handed over.
  const stored: string[] = []
  for await (const event of bus.replay({})) if (event.traceId === run.traceId) stored.push(event.type)
  const storedTypes = new Set(stored)
  assert.deepEqual(
    stored,
    handedOver.map((entry) => entry.type).filter((type) => storedTypes.has(type)),
  )
  assert.ok(stored.includes('chat.prompt') && stored.includes('turn.end'))
})
