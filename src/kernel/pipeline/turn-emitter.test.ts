// What decision 1755 relies on: while a chat turn holds its events, the kernel's own events are
// validated once — by the bus, when they are handed over — and not by the emitter before; the bus
// still refuses an invalid one, and the turn fails; a skill's event is still checked at its emit.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import type { Bus } from '../../bus/index.ts'
import { openBus } from '../../bus-factory/index.ts'
import { loadCatalog } from '../../catalog/index.ts'
import { type Contracts, createContracts, type Envelope } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import type { RunPart } from '../../skill-api/index.ts'
import { createLlmStep, type LlmProvider } from '../../skills/llm/index.ts'
import { compileStateMachine, SessionRegistry } from '../sessions/index.ts'
import { PipelineRunner } from './pipeline-runner.ts'
import { TurnEmitter } from './turn-emitter.ts'

const registry = loadCatalog().document
const machine = compileStateMachine({
  states: ['idle', 'thinking'],
  transitions: [
    { on: 'chat.query', from: 'idle', to: 'thinking' },
    { on: 'turn.end', from: '*', to: 'idle' },
  ],
})
const sessions = () => new SessionRegistry(machine, { now: Date.now, setTimeout, clearTimeout })

/** The catalog's contracts, counting the envelopes the emitter validates (by id). */
function countingContracts(): { contracts: Contracts; checkedIds: string[] } {
  const real = createContracts(registry)
  const checkedIds: string[] = []
  const contracts: Contracts = {
    registry: real.registry,
    options: real.options,
    entry: (type, version) => real.entry(type, version),
    validatePayload: (type, version, payload) => real.validatePayload(type, version, payload),
    validateEnvelope(input, madeHere) {
      checkedIds.push((input as Envelope).id)
      return real.validateEnvelope(input, madeHere)
    },
    vouchEnvelope(input, madeHere) {
      checkedIds.push(input.id)
      return real.vouchEnvelope(input, madeHere)
    },
    takeVouched: (value) => real.takeVouched(value),
  }
  return { contracts, checkedIds }
}

const provider: LlmProvider = {
  name: 'ollama',
  model: 'test-model',
  async *chat() {
    yield { type: 'token', text: 'Hi' }
    yield { type: 'done', usage: { promptTokens: 1, completionTokens: 1 }, finishReason: 'stop', model: 'm' }
  },
  health: async () => ({ ok: true, provider: 'ollama', target: 'test' }),
  close: async () => undefined,
}

async function logOf(bus: Bus, traceId: string): Promise<Envelope[]> {
  const events: Envelope[] = []
  for await (const event of bus.replay({})) if (event.traceId === traceId) events.push(event)
  return events
}

describe('a held turn validates its own events once, in the bus', () => {
  const buses: Bus[] = []
  const open = async () => {
    const bus = await openBus({ transport: 'memory', registry })
    buses.push(bus)
    return bus
  }
  after(async () => {
    for (const bus of buses) await bus.close()
  })

  test("the kernel's held events are not validated by the emitter; a skill's are, at emit", async () => {
    const bus = await open()
    const { contracts, checkedIds } = countingContracts()
    const pipeline: Pipeline = {
      id: 'pipeline.chat.text',
      steps: [{ emit: 'chat.query' }, { call: 'skill.llm', stream: true }, { emit: 'turn.end' }],
    }
    let sawToken = false
    const heldIds = new Set<string>()
    const runner = new PipelineRunner({
      publisher: bus,
      contracts,
      sessions: sessions(),
      skills: {
        runtimes: new Map([['skill.llm', createLlmStep({ id: 'skill.llm', provider })]]),
        conditions: {},
        emitterFor: (_skill, emitter) => emitter,
        beforeEmit: async () => undefined,
      },
      metrics: { observe: () => undefined },
    })
    const run = await runner.run({
      pipeline,
      trigger: { kind: 'http', route: '/chat' },
      text: 'hello?',
      sessionId: 's1',
      signal: new AbortController().signal,
      onPart: (part: RunPart) => {
        if (part.kind === 'chunk') sawToken = true
      },
      // What the turn emitted before its first token is what it held (decision 1730).
      onEvent: (event) => {
        if (!sawToken) heldIds.add(event.id)
      },
    })
    assert.equal(run.outcome, 'ok')
    const events = await logOf(bus, run.traceId)
    const held = events.filter((event) => heldIds.has(event.id))
    const ownTypes = new Set(['turn.start', 'pipeline.status', 'chat.query', 'session.state.changed'])
    const own = held.filter((event) => ownTypes.has(event.type))
    const skills = held.filter((event) => !ownTypes.has(event.type))
    assert.deepEqual(
      held.map((event) => event.type),
      [
        'turn.start',
        'pipeline.status',
        'chat.query',
        'session.state.changed',
        'pipeline.status',
        'pipeline.status',
        'chat.prompt',
        'stream.start',
      ],
    )
    // Every held event reached the log (the bus checked each: see the next test for a refusal).
    const checkedByEmitter = (event: Envelope) => checkedIds.filter((id) => id === event.id).length
    for (const event of own) assert.equal(checkedByEmitter(event), 0, `${event.type} checked by the emitter`)
    for (const event of skills) assert.equal(checkedByEmitter(event), 1, `${event.type} checked at emit`)
    // After the hand-over nothing is held: the kernel's events are checked at emit again.
    const late = events.filter((event) => !heldIds.has(event.id) && event.type === 'turn.end')
    assert.equal(late.length, 1)
    assert.equal(checkedByEmitter(late[0]!), 1)
  })

  test('an invalid held event of the kernel is refused by the bus at the hand-over and fails the turn', async () => {
    const bus = await open()
    const { contracts } = countingContracts()
    const emitter = new TurnEmitter({
      publisher: bus,
      contracts,
      sessions: sessions(),
      traceId: 'trace-invalid-own',
      sessionId: 's2',
      source: 'kernel',
      now: Date.now,
      holdMs: 10_000,
    })
    // Accepted at emit (held, not yet checked)…
    const invalid = await emitter.emitOwn('turn.start', {
      sessionId: 's2',
      inputType: 'telepathy' as unknown as 'text',
    })
    const valid = await emitter.emitOwn('pipeline.status', {
      pipelineId: 'p',
      step: '0 emit:chat.query',
      stepIndex: 0,
      state: 'start',
    })
    // …while a skill's invalid event is still refused at once.
    await assert.rejects(emitter.emit('chat.prompt', { messages: 'not a list' } as never), {
      code: 'E_VALIDATION',
    })
    emitter.release()
    await assert.rejects(emitter.settle(), { code: 'E_VALIDATION' })
    const stored = (await logOf(bus, 'trace-invalid-own')).map((event) => event.id)
    assert.ok(!stored.includes(invalid.id), 'the invalid event is not stored')
    assert.ok(stored.includes(valid.id), 'the valid one is')
  })

  test('not held, an invalid event of the kernel is refused at its emit, as before', async () => {
    const bus = await open()
    const emitter = new TurnEmitter({
      publisher: bus,
      contracts: countingContracts().contracts,
      sessions: sessions(),
      traceId: 'trace-not-held',
      sessionId: 's3',
      source: 'kernel',
      now: Date.now,
    })
    await assert.rejects(
      emitter.emitOwn('turn.start', { sessionId: 's3', inputType: 'telepathy' as unknown as 'text' }),
      { code: 'E_VALIDATION' },
    )
    await emitter.settle()
  })
})

// What decision 1785 relies on: an event is built, ordered and shown when it is emitted (no promise
// chain per event), a held turn goes to the bus as one batch in emit order, and an emit made while
// another event is being built still comes after it and the session events it causes.
describe('events are built when emitted and a held turn is handed over as one batch', () => {
  type Draft = { id: string; type: string; causationId?: string }
  function recordingPublisher(refuse?: string) {
    const calls: { kind: 'one' | 'many'; types: string[] }[] = []
    const receipt = (draft: Draft) => ({ id: draft.id })
    return {
      calls,
      publisher: {
        publishUntyped: async (draft: Draft) => {
          calls.push({ kind: 'one' as const, types: [draft.type] })
          return receipt(draft)
        },
        publishManyUntyped: async (drafts: readonly Draft[]) => {
          calls.push({ kind: 'many' as const, types: drafts.map((draft) => draft.type) })
          return drafts.map((draft) =>
            draft.type === refuse
              ? {
                  ok: false as const,
                  error: { code: 'E_VALIDATION' as const, message: `${draft.type} refused` },
                }
              : { ok: true as const, data: receipt(draft) },
          )
        },
      },
    }
  }
  const emitterWith = (
    publisher: ReturnType<typeof recordingPublisher>['publisher'],
    options: { holdMs?: number; onEvent?: (envelope: Envelope) => void } = {},
  ) =>
    new TurnEmitter({
      publisher: publisher as never,
      contracts: countingContracts().contracts,
      sessions: sessions(),
      traceId: 'trace-batch',
      sessionId: 's-batch',
      source: 'kernel',
      now: Date.now,
      ...options,
    })

  test('an emit builds and shows its event before it returns', async () => {
    const seen: string[] = []
    const { publisher } = recordingPublisher()
    const emitter = emitterWith(publisher, { onEvent: (envelope) => seen.push(envelope.type) })
    const emitted = emitter.emitOwn('turn.start', { sessionId: 's-batch', inputType: 'text' })
    assert.deepEqual(seen, ['turn.start'])
    assert.equal(emitter.lastEventId, (await emitted).id)
    await emitter.settle()
  })

  test("a held turn's events reach the bus in one call, in emit order; later ones once per loop turn", async () => {
    const { calls, publisher } = recordingPublisher()
    const emitter = emitterWith(publisher, { holdMs: 10_000 })
    await emitter.emitOwn('turn.start', { sessionId: 's-batch', inputType: 'text' })
    await emitter.emitOwn('chat.query', { text: 'hi', sessionId: 's-batch' })
    await emitter.emit('rag.query', { text: 'hi', topK: 6 })
    assert.deepEqual(calls, [])
    emitter.release()
    await emitter.emitOwn('turn.end', { sessionId: 's-batch', outcome: 'ok', durationMs: 1 })
    await emitter.settle()
    assert.deepEqual(calls, [
      { kind: 'many', types: ['turn.start', 'chat.query', 'session.state.changed', 'rag.query'] },
      { kind: 'many', types: ['turn.end', 'session.state.changed'] },
    ])
  })

  test('events after the hold are gathered within a loop turn, handed over by its check phase', async () => {
    const { calls, publisher } = recordingPublisher()
    const seen: Envelope[] = []
    const emitter = emitterWith(publisher, { onEvent: (envelope) => seen.push(envelope) })
    // A burst as a turn's end makes it: several emits, with microtask hops between them.
    await emitter.emitOwn('chat.query', { text: 'hi', sessionId: 's-batch' })
    await Promise.resolve()
    await emitter.emitOwn('pipeline.status', {
      pipelineId: 'p',
      step: '0 emit:chat.query',
      stepIndex: 0,
      state: 'done',
    })
    assert.deepEqual(calls, [], 'nothing is handed over before the check phase')
    await new Promise<void>((resolve) => setImmediate(resolve))
    assert.deepEqual(calls, [
      { kind: 'many', types: ['chat.query', 'session.state.changed', 'pipeline.status'] },
    ])
    // The next loop turn's events are a batch of their own; settle() does not wait for a check phase.
    await emitter.emitOwn('turn.end', { sessionId: 's-batch', outcome: 'ok', durationMs: 1 })
    await emitter.settle()
    assert.deepEqual(calls.slice(1), [{ kind: 'many', types: ['turn.end', 'session.state.changed'] }])
    // Stored order, and one causal chain, as emitted.
    for (let index = 1; index < seen.length; index++)
      assert.equal(seen[index]!.causationId, seen[index - 1]!.id)
  })

  test('an event refused in a gathered batch fails settle() with its code', async () => {
    const { publisher } = recordingPublisher('turn.end')
    const emitter = emitterWith(publisher)
    await emitter.emitOwn('chat.query', { text: 'hi', sessionId: 's-batch' })
    await new Promise<void>((resolve) => setImmediate(resolve))
    await emitter.emitOwn('turn.end', { sessionId: 's-batch', outcome: 'ok', durationMs: 1 })
    await assert.rejects(emitter.settle(), { code: 'E_VALIDATION', message: 'turn.end refused' })
  })

  test('an event emitted while settle() waits is still waited for', async () => {
    const { calls, publisher } = recordingPublisher()
    const emitter = emitterWith(publisher)
    await emitter.emitOwn('chat.query', { text: 'hi', sessionId: 's-batch' })
    const settling = emitter.settle()
    // settle() has handed chat.query over; this one is gathered for the check phase.
    await emitter.emitOwn('turn.end', { sessionId: 's-batch', outcome: 'ok', durationMs: 1 })
    await settling
    assert.deepEqual(
      calls.map((call) => call.types),
      [
        ['chat.query', 'session.state.changed'],
        ['turn.end', 'session.state.changed'],
      ],
    )
  })

  test('an event the batch refuses fails settle() with its code', async () => {
    const { publisher } = recordingPublisher('chat.query')
    const emitter = emitterWith(publisher, { holdMs: 10_000 })
    await emitter.emitOwn('turn.start', { sessionId: 's-batch', inputType: 'text' })
    await emitter.emitOwn('chat.query', { text: 'hi', sessionId: 's-batch' })
    emitter.release()
    await assert.rejects(emitter.settle(), { code: 'E_VALIDATION', message: 'chat.query refused' })
  })

  test('an emit made while an event is being built comes after it and the session events it causes', async () => {
    const { publisher } = recordingPublisher()
    const order: Envelope[] = []
    let emitter: TurnEmitter | undefined
    let inner: Promise<Envelope> | undefined
    emitter = emitterWith(publisher, {
      onEvent: (envelope) => {
        order.push(envelope)
        if (envelope.type === 'chat.query')
          inner = emitter!.emitOwn('pipeline.status', {
            pipelineId: 'p',
            step: '0 emit:chat.query',
            stepIndex: 0,
            state: 'done',
          })
      },
    })
    await emitter.emitOwn('chat.query', { text: 'hi', sessionId: 's-batch' })
    await emitter.emitOwn('turn.end', { sessionId: 's-batch', outcome: 'ok', durationMs: 1 })
    await inner
    await emitter.settle()
    assert.deepEqual(
      order.map((envelope) => envelope.type),
      ['chat.query', 'session.state.changed', 'pipeline.status', 'turn.end', 'session.state.changed'],
    )
    // One causal chain in that order.
    for (let index = 1; index < order.length; index++)
      assert.equal(order[index]!.causationId, order[index - 1]!.id)
  })
})

// What decision 2077 relies on: the emitter builds each envelope with its fields in the log's
// order (causationId before sessionId), and events emitted within one millisecond share their ts.
describe("an emitted envelope has the log's field order", () => {
  test('the first event has no causationId; later ones carry it before sessionId', async () => {
    const seen: Envelope[] = []
    const emitter = new TurnEmitter({
      publisher: { publishUntyped: async (draft) => ({ id: (draft as Envelope).id }) },
      contracts: countingContracts().contracts,
      sessions: sessions(),
      traceId: 'trace-order',
      sessionId: 's-order',
      source: 'kernel',
      now: () => 1_780_000_000_000,
      onEvent: (envelope) => seen.push(envelope),
    })
    await emitter.emitOwn('turn.start', { sessionId: 's-order', inputType: 'text' })
    await emitter.emit('rag.query', { text: 'hi', topK: 6 })
    await emitter.settle()
    const base = ['id', 'type', 'version', 'ts', 'source', 'severity', 'traceId']
    assert.deepEqual(Object.keys(seen[0]!), [...base, 'sessionId', 'tenant', 'payload'])
    assert.deepEqual(Object.keys(seen[1]!), [...base, 'causationId', 'sessionId', 'tenant', 'payload'])
    assert.equal(seen[1]!.causationId, seen[0]!.id)
    assert.equal(seen[1]!.ts, new Date(1_780_000_000_000).toISOString())
  })
})
