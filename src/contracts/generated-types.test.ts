import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type AnyEnvelope,
  type DraftOf,
  defineEvent,
  EVENT_TYPES,
  type EventPayloadMap,
  type EventPayloadMapByVersion,
  type EventType,
  isEventType,
} from './index.ts'

// The `@ts-expect-error` lines are the real assertions here: `tsc --noEmit` fails if the
// generated types ever accept one of these wrong payloads (the directive becomes unused).

describe('generated event types', () => {
  test('defineEvent accepts a payload that matches its type', () => {
    const draft = defineEvent({
      type: 'chat.query',
      payload: { text: 'hello', locale: 'en-US' },
      sessionId: 's-1',
    })
    assert.equal(draft.type, 'chat.query')
    assert.equal(draft.payload.text, 'hello')
  })

  test('wrong payloads do not compile', () => {
    // @ts-expect-error text must be a string
    defineEvent({ type: 'chat.query', payload: { text: 42 } })
    // @ts-expect-error text is required
    defineEvent({ type: 'chat.query', payload: { locale: 'en-US' } })
    // @ts-expect-error additionalProperties false: unknown fields are rejected
    defineEvent({ type: 'chat.query', payload: { text: 'hi', mood: 'happy' } })
    // @ts-expect-error not a catalog type
    defineEvent({ type: 'chat.querry', payload: { text: 'hi' } })
    // @ts-expect-error enum values are literal unions
    defineEvent({ type: 'chat.message', payload: { role: 'robot', content: 'x' } })
    // @ts-expect-error a draft needs its payload
    const missing: DraftOf<'chat.query'> = { type: 'chat.query' }
    assert.ok(missing)
  })

  test('narrowing an AnyEnvelope on type narrows its payload', () => {
    const describe = (envelope: AnyEnvelope): string => {
      if (envelope.type === 'chat.query') return envelope.payload.text
      // @ts-expect-error other payloads have no `text` known to the compiler without narrowing
      return envelope.payload.text
    }
    const envelope = {
      id: '01890a5d-ac96-774b-bcce-b302099a8057',
      type: 'chat.query',
      version: 1,
      ts: '2026-01-01T00:00:00.000Z',
      source: 'test',
      severity: 'info',
      traceId: 't',
      tenant: 'default',
      payload: { text: 'narrowed' },
    } as const satisfies AnyEnvelope
    assert.equal(describe(envelope), 'narrowed')
  })

  test('maps, EVENT_TYPES and isEventType agree', () => {
    const latest: EventPayloadMap['chat.query'] = { text: 'a' }
    const versioned: EventPayloadMapByVersion['chat.query@1'] = latest
    assert.equal(versioned.text, 'a')
    const sorted = [...EVENT_TYPES].sort()
    assert.deepEqual([...EVENT_TYPES], sorted)
    assert.equal(new Set(EVENT_TYPES).size, EVENT_TYPES.length)
    const known: EventType = 'chat.query'
    assert.ok(EVENT_TYPES.includes(known))
    assert.equal(isEventType('chat.query'), true)
    assert.equal(isEventType('chat.querry'), false)
    assert.equal(isEventType('__proto__'), false)
  })
})
