import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createDialectConverter, denisChannelOf } from './index.ts'

const converter = createDialectConverter()
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

// Seed 003: a stored chat.message (content as sha256 + length) and an ephemeral persona update.
const chatMessage = {
  event_id: 12,
  conversation_id: 'conv-1',
  type: 'chat.message',
  channel: 'text',
  emitter: 'denis_persona',
  stored: true,
  ts: '2026-02-01T10:00:00Z',
  correlation_id: 'trace-1',
  turn_id: 'trace-1',
  ui: { render: 'chat_bubble', icon: 'message' },
  payload: { role: 'user', content_sha256: 'ab'.repeat(32), content_len: 11 },
}
const personaUpdate = {
  event_id: 0,
  conversation_id: 'conv-1',
  type: 'persona.state.update',
  channel: 'neuro',
  emitter: 'denis_persona',
  stored: false,
  ts: '2026-02-01T10:00:01Z',
  correlation_id: 'trace-1',
  turn_id: 'turn-9',
  trace_id: 'trace-1',
  schema_version: '1.0',
  payload: { mode: 'focused', ts: '2026-02-01T10:00:01Z' },
}
const errorEvent = {
  event_id: 13,
  conversation_id: 'conv-1',
  type: 'error',
  channel: 'ops',
  emitter: 'denis_persona',
  stored: true,
  ts: '2026-02-01T10:00:02Z',
  correlation_id: 'trace-1',
  turn_id: 'trace-1',
  payload: { code: 'E_IO', msg: 'disk full', detail: null },
}

describe('Denis stored events <-> canonical', () => {
  test('event_id is sessionSeq, conversation_id sessionId, emitter source, correlation_id traceId', () => {
    const envelope = converter.toCanonical('denis', clone(chatMessage))
    assert.equal(envelope.sessionSeq, 12)
    assert.equal(envelope.sessionId, 'conv-1')
    assert.equal(envelope.source, 'denis_persona')
    assert.equal(envelope.traceId, 'trace-1')
    assert.equal(envelope.type, 'chat.message')
    // channel and turn_id follow from type and correlation_id here, so meta holds only the UI hint
    // and that the payload is seed 003's stored (redacted) form.
    assert.deepEqual(envelope.meta, {
      denis: {
        ui: chatMessage.ui,
        defaulted: ['id', 'version', 'severity', 'tenant'],
        payload_form: 'stored',
      },
    })
  })

  test('ids derive from conversation and event_id, so a replayed record keeps its id', () => {
    const first = converter.toCanonical('denis', clone(chatMessage))
    const edited = {
      ...clone(chatMessage),
      payload: { role: 'user', content_sha256: 'cd'.repeat(32), content_len: 3 },
    }
    assert.equal(converter.toCanonical('denis', edited).id, first.id)
    assert.notEqual(converter.toCanonical('denis', { ...clone(chatMessage), event_id: 13 }).id, first.id)
  })

  test('ephemeral events (event_id 0, stored false) have no sessionSeq', () => {
    const envelope = converter.toCanonical('denis', clone(personaUpdate))
    assert.equal(envelope.sessionSeq, undefined)
    assert.deepEqual(converter.fromCanonical('denis', envelope), personaUpdate)
  })

  test('the single-token type error becomes error.reported (decision 0101) with severity error, and back', () => {
    const envelope = converter.toCanonical('denis', clone(errorEvent))
    assert.equal(envelope.type, 'error.reported')
    assert.equal(envelope.severity, 'error')
    assert.equal(JSON.stringify(converter.fromCanonical('denis', envelope)), JSON.stringify(errorEvent))
  })

  for (const [name, event] of [
    ['chat.message', chatMessage],
    ['persona.state.update', personaUpdate],
    ['error', errorEvent],
  ] as const) {
    test(`${name}: Denis -> canonical -> Denis is byte-identical`, () => {
      const back = converter.fromCanonical('denis', converter.toCanonical('denis', clone(event)))
      assert.equal(JSON.stringify(back), JSON.stringify(event))
    })
  }

  test('a channel that differs from the derived one is kept', () => {
    const overridden = { ...clone(chatMessage), channel: 'ops' }
    const envelope = converter.toCanonical('denis', overridden)
    assert.equal((envelope.meta!.denis as Record<string, unknown>).channel, 'ops')
    assert.deepEqual(converter.fromCanonical('denis', envelope), overridden)
  })

  test('channel rules follow seed 003', () => {
    assert.equal(denisChannelOf('voice.asr.final'), 'voice')
    assert.equal(denisChannelOf('retrieval.start'), 'compiler')
    assert.equal(denisChannelOf('persona.state.update'), 'neuro')
    assert.equal(denisChannelOf('run.step'), 'ops')
    assert.equal(denisChannelOf('plan.task.created'), 'text')
  })

  test('canonical -> Denis drops what a Denis record cannot hold (documented loss)', () => {
    const envelope = {
      id: '0195f3a2-7c1e-7cc3-9d2e-cccccccccccc',
      type: 'tool.result',
      version: 2,
      ts: '2026-02-01T10:00:03Z',
      source: 'skill.tools-fs',
      severity: 'warn' as const,
      traceId: 'trace-2',
      causationId: 'cause',
      sessionId: 'conv-2',
      tenant: 'acme',
      idempotencyKey: 'k',
      seq: 10,
      sessionSeq: 4,
      payload: { tool_name: 'fs.read', ok: true, result_sha256: 'x', result_len: 1 },
      meta: { peer: 'p' },
    }
    const denis = converter.fromCanonical('denis', envelope)
    assert.equal(denis.channel, 'tool')
    assert.equal(denis.event_id, 4)
    assert.equal(denis.stored, true)
    const back = converter.toCanonical('denis', denis)
    for (const kept of ['type', 'ts', 'source', 'traceId', 'sessionId', 'sessionSeq', 'payload'] as const) {
      assert.deepEqual(back[kept], envelope[kept], kept)
    }
    assert.equal(back.tenant, 'default')
    assert.equal(back.causationId, undefined)
  })

  test('a canonical envelope without a session cannot become a Denis record', () => {
    const envelope = converter.toCanonical('denis', clone(chatMessage))
    const { sessionId: _sessionId, ...sessionless } = envelope
    assert.throws(() => converter.fromCanonical('denis', sessionless), { code: 'E_VALIDATION' })
  })

  test('stored and event_id must agree', () => {
    assert.throws(() => converter.toCanonical('denis', { ...clone(chatMessage), stored: false }), {
      code: 'E_VALIDATION',
    })
    assert.throws(() => converter.toCanonical('denis', { ...clone(personaUpdate), stored: true }), {
      code: 'E_VALIDATION',
    })
  })
})
