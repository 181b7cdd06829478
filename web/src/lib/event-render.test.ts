import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { parse } from 'yaml'
import type { Envelope } from '../../../src/contracts/index.ts'
import { compileTypePattern } from './event-pattern.ts'
import { eventDetail, eventSummary, isEphemeral, MAX_SUMMARY_CHARS } from './event-render.ts'
import { DEFAULT_EVENT_CAPACITY, EventStore, filterEvents } from './event-store.ts'
import { glyphFor, hasGlyph } from './icons.ts'
import { hintFor, hintsFromRegistry } from './ui-hints.ts'

const registry = parse(readFileSync(new URL('../../../catalog/registry.yaml', import.meta.url), 'utf8'), {
  version: '1.2',
})
const hints = hintsFromRegistry(registry)

function event(type: string, payload: unknown, extra: Partial<Envelope> = {}): Envelope {
  return {
    id: `${type}-${Math.random()}`,
    type,
    version: 1,
    ts: '2026-01-01T10:00:00.000Z',
    source: 't',
    severity: 'info',
    traceId: 't1',
    tenant: 'default',
    payload: payload as Record<string, unknown>,
    ...extra,
  }
}

describe('UI hints from the catalog', () => {
  test('every catalog entry gets its channel, render and icon, and every icon has a glyph', () => {
    const entries = registry.entries as Array<{
      type: string
      channel: string
      ui: { icon: string; render: string }
      stored: boolean
    }>
    assert.ok(entries.length > 50)
    for (const entry of entries) {
      const hint = hints[entry.type]!
      assert.equal(hint.channel, entry.channel, entry.type)
      assert.equal(hint.stored, entry.stored !== false, entry.type)
      assert.ok(hasGlyph(entry.ui.icon), `icon ${JSON.stringify(entry.ui.icon)} of ${entry.type} has a glyph`)
    }
    assert.equal(hints['stream.chunk']?.stored, false)
  })

  test('types the catalog does not know get a channel from their namespace', () => {
    assert.equal(hintFor('voice.something.new', hints).channel, 'voice')
    assert.equal(hintFor('whatever', hints).channel, 'ops')
    assert.equal(hintFor('__proto__', hints).channel, 'ops')
    assert.equal(hintFor('constructor.x', hints).render, 'generic')
    assert.equal(glyphFor('no-such-icon'), 'dot')
  })

  test('malformed registries give an empty or partial table, never a throw', () => {
    assert.deepEqual(Object.keys(hintsFromRegistry({})), [])
    assert.deepEqual(Object.keys(hintsFromRegistry({ entries: 'x' })), [])
    const partial = hintsFromRegistry({
      entries: [
        null,
        1,
        { type: 'a.b', channel: 'nope', ui: {} },
        { type: 'c.d', channel: 'ops', ui: { render: 'r', icon: 'i' } },
      ],
    })
    assert.deepEqual(Object.keys(partial), ['c.d'])
  })
})

describe('event rows', () => {
  test('summaries follow the render hint', () => {
    const state = event('session.state.changed', {
      sessionId: 's1',
      from: 'idle',
      to: 'thinking',
      cause: 'chat.query',
    })
    assert.equal(eventSummary(state, hintFor(state.type, hints)), 's1: idle → thinking (chat.query)')
    const step = event('pipeline.status', {
      pipelineId: 'p',
      step: '1 call:skill.rag',
      state: 'done',
      durationMs: 20.4,
    })
    assert.equal(eventSummary(step, hintFor(step.type, hints)), '1 call:skill.rag done 20 ms')
    const query = event('chat.query', { text_sha256: 'ab', text_len: 12 })
    assert.match(eventSummary(query, hintFor(query.type, hints)), /12 chars, hashed/)
  })

  test('hostile payloads are capped and never throw', () => {
    const hint = hintFor('x.y', hints)
    const huge = event('x.y', { a: 'z'.repeat(1_000_000), b: { deep: { deeper: [1] } }, ['__proto__']: 'p' })
    assert.ok(eventSummary(huge, hint).length <= MAX_SUMMARY_CHARS)
    for (const payload of [null, 'text', 42, [1, 2]])
      assert.equal(typeof eventSummary(event('chat.query', payload), hintFor('chat.query', hints)), 'string')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    assert.equal(eventDetail(event('x.y', cyclic)), '(not serialisable)')
    assert.ok(eventDetail(huge, 1000).includes('more chars'))
  })

  test('ephemeral means no seq', () => {
    assert.equal(isEphemeral({ seq: 3 }), false)
    assert.equal(isEphemeral({}), true)
  })
})

describe('type patterns', () => {
  test('wildcards follow the bus: * one token, > the rest; a plain name is a token prefix', () => {
    const cases: Array<[string, string, boolean]> = [
      ['chat.*', 'chat.query', true],
      ['chat.*', 'chat.query.extra', false],
      ['chat.>', 'chat.query.extra', true],
      ['chat.>', 'chat', false],
      ['*.start', 'stream.start', true],
      ['chat', 'chat.query', true],
      ['chat', 'chatter.query', false],
      ['', 'anything', true],
    ]
    for (const [pattern, type, expected] of cases)
      assert.equal(compileTypePattern(pattern)!(type), expected, `${pattern} ~ ${type}`)
  })

  test('invalid patterns are refused', () => {
    for (const pattern of ['a..b', '>.a', 'a.>x', 'a b', 'x'.repeat(501)])
      assert.equal(compileTypePattern(pattern), undefined, pattern)
  })
})

describe('EventStore', () => {
  test('keeps the newest events up to its capacity', () => {
    const store = new EventStore(3)
    store.push([1, 2].map((seq) => event('a.b', {}, { seq })))
    store.push([3, 4, 5].map((seq) => event('a.b', {}, { seq })))
    assert.deepEqual(
      store.toArray().map((e) => e.seq),
      [3, 4, 5],
    )
    assert.equal(store.evicted, 2)
    store.push(Array.from({ length: 10 }, (_, index) => event('a.b', {}, { seq: 10 + index })))
    assert.deepEqual(
      store.toArray().map((e) => e.seq),
      [17, 18, 19],
    )
    assert.equal(new EventStore().capacity, DEFAULT_EVENT_CAPACITY)
    assert.throws(() => new EventStore(0), RangeError)
  })

  test('filters by type, session, trace and channel and counts per channel', () => {
    const store = new EventStore()
    store.push([
      event('chat.query', {}, { sessionId: 's1', traceId: 't1' }),
      event('stream.chunk', {}, { sessionId: 's1', traceId: 't1' }),
      event('pipeline.status', {}, { sessionId: 's2', traceId: 't2' }),
    ])
    const all = filterEvents(store, { type: () => true, channel: 'all' }, hints)
    assert.equal(all.events.length, 3)
    assert.deepEqual(all.channelCounts, { text: 2, ops: 1 })
    const session = filterEvents(
      store,
      { type: compileTypePattern('chat.>')!, sessionId: 's1', channel: 'all' },
      hints,
    )
    assert.deepEqual(
      session.events.map((e) => e.type),
      ['chat.query'],
    )
    const ops = filterEvents(store, { type: () => true, traceId: ' t2 ', channel: 'ops' }, hints)
    assert.deepEqual(
      ops.events.map((e) => e.type),
      ['pipeline.status'],
    )
  })
})
