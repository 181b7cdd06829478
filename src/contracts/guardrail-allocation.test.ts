// What the guardrails allocate per event, read from V8's heap accounting (the used heap's growth
// plus what each collection in between freed, as bench/allocation-meter.ts reads it). Every event
// of a chat turn passes through them on the way to the log, and their garbage paid for the young
// collections behind the first token's p99 (issue 17, decision 2087).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { bytesPerCall } from '../../test/kit/bytes-per-call.ts'
import { registryEntry } from '../../test/kit/registry-entry.ts'
import type { Envelope } from './envelope.ts'
import { createGuardrails } from './guardrails.ts'
import type { RegistryDocument } from './registry-types.ts'

const registry: RegistryDocument = {
  catalogVersion: 'test',
  envelope: {},
  result: {},
  hubManifest: {},
  entries: [
    registryEntry('chat.query', {
      type: 'object',
      properties: { text: { type: 'string', 'x-redact': 'hash' }, sessionId: { type: 'string' } },
    }),
    registryEntry('rag.context', {
      type: 'object',
      properties: {
        hits: {
          type: 'array',
          items: {
            type: 'object',
            properties: { id: { type: 'string' }, snippet: { type: 'string', 'x-redact': 'drop' } },
          },
        },
        source: {
          type: 'object',
          properties: { name: { type: 'string' }, html: { type: 'string', 'x-redact': 'drop' } },
        },
      },
    }),
  ],
}

function envelope(type: string, payload: Record<string, unknown>): Envelope {
  return {
    id: '0190a3e2-7c4d-7b1a-9f00-000000000001',
    type,
    version: 1,
    ts: '2026-12-06T15:00:00.000Z',
    source: 'kernel',
    severity: 'info',
    traceId: '5b8aa5a2-d2f0-4a3c-9bd4-6c8e2b6f4a10',
    sessionId: 'session-1',
    tenant: 'default',
    payload,
  } as Envelope
}

describe('guardrails allocation', () => {
  test('a nested rule that reaches no item copies nothing: no list, no item, no parent', () => {
    const guardrails = createGuardrails(registry)
    // The hits carry no snippet and the source no html: the rules apply to nothing.
    const input = envelope('rag.context', {
      hits: [
        { id: 'a', text: 'first' },
        { id: 'b', text: 'second' },
        { id: 'c', text: 'third' },
      ],
      source: { name: 'notes' },
    })
    assert.equal(guardrails(input), input)
    const bytes = bytesPerCall(() => guardrails(input))
    // Before: a new list, a copy of the payload and of `source` on every call (> 150 bytes).
    assert.ok(bytes < 16, `${bytes.toFixed(1)} bytes per call`)
  })

  test('a nested rule that applies still copies only the path it changed', () => {
    const guardrails = createGuardrails(registry)
    const untouched = { id: 'a', text: 'first' }
    const input = envelope('rag.context', {
      hits: [untouched, { id: 'b', snippet: '<b>secret page</b>' }],
      source: { name: 'notes' },
    })
    const guarded = guardrails(input)
    const payload = guarded.payload as Record<string, unknown>
    const hits = payload.hits as Record<string, unknown>[]
    assert.deepEqual(hits, [untouched, { id: 'b' }])
    assert.equal(hits[0], untouched)
    assert.equal(payload.source, (input.payload as Record<string, unknown>).source)
    assert.deepEqual(payload._guardrails, {
      dropped: ['/payload/hits/1/snippet'],
      hashed: [],
      capped: [],
      replaced: [],
    })
    // The input is never written to.
    assert.deepEqual((input.payload as Record<string, unknown>).hits, [
      untouched,
      { id: 'b', snippet: '<b>secret page</b>' },
    ])
  })

  test("a hashed event's summary lists keep their store from one event to the next", () => {
    const guardrails = createGuardrails(registry)
    const input = envelope('chat.query', { text: 'hi', sessionId: 'session-1' })
    // What the answer itself needs (new envelope, payload, summary, digest string, the hash call)
    // is about 380 bytes on Node 20; the bound is 2 × a fresh list's first push (about 185) + 160.
    // Emptying the reused lists by setting their length freed their backing stores, and every
    // changed event allocated two new ones on its first pushes: about 680 bytes in all (1,070 with
    // the payload copied again for the summary and the empty lists copied).
    const bytes = bytesPerCall(() => guardrails(input))
    const reusedStore = bytesPerCall(() => {
      const list: string[] = []
      list.push('x')
      return list
    })
    assert.ok(
      bytes < reusedStore * 2 + 160,
      `${bytes.toFixed(0)} bytes per hashed event (a fresh list's first push: ${reusedStore.toFixed(0)})`,
    )
  })

  test("the summary joins a rebuilt payload in place, never the caller's payload", () => {
    const guardrails = createGuardrails(registry)
    const payload = { text: 'hi', sessionId: 'session-1' }
    const guarded = guardrails(envelope('chat.query', payload))
    assert.deepEqual(Object.keys(guarded.payload as object), [
      'text_sha256',
      'text_len',
      'sessionId',
      '_guardrails',
    ])
    assert.deepEqual(payload, { text: 'hi', sessionId: 'session-1' })
    // Nothing in the payload changes, only an envelope field (a secret in the trace id): the payload
    // handed in is the caller's, so the summary goes on a copy.
    const secret = 'sk-ant-api03-' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4Y5z6A7b8C9d0E1f2G3h4'
    const plain = { sessionId: 'session-1' }
    const input = { ...envelope('chat.query', plain), traceId: secret }
    const scrubbed = guardrails(input)
    assert.notEqual(scrubbed.traceId, secret)
    assert.notEqual(scrubbed.payload, plain)
    assert.deepEqual(plain, { sessionId: 'session-1' })
    assert.ok('_guardrails' in (scrubbed.payload as object))
  })

  test("a summary's empty lists are one frozen list; its filled ones are the event's own", () => {
    const guardrails = createGuardrails(registry)
    type Guarded = {
      _guardrails: { dropped: string[]; hashed: string[]; capped: string[]; replaced: string[] }
    }
    const one = (guardrails(envelope('chat.query', { text: 'hi' })).payload as Guarded)._guardrails
    const two = (guardrails(envelope('chat.query', { text: 'ho' })).payload as Guarded)._guardrails
    assert.deepEqual({ ...one }, { dropped: [], hashed: ['/payload/text'], capped: [], replaced: [] })
    assert.equal(one.dropped, two.dropped)
    assert.ok(Object.isFrozen(one.dropped) && Object.isFrozen(one.capped) && Object.isFrozen(one.replaced))
    assert.throws(() => one.dropped.push('/payload/x'), TypeError)
    assert.notEqual(one.hashed, two.hashed)
    one.hashed.push('/payload/changed')
    assert.deepEqual(two.hashed, ['/payload/text'])
  })
})
