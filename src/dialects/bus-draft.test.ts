import assert from 'node:assert/strict'
import { test } from 'node:test'
import { detectDialect, hasNoDialectMarker, toBusDraft, toCanonical } from './index.ts'

// Differential test of the canonical shortcut (decision 1794): toBusDraft must answer exactly what
// detecting every line's dialect answers, on lines of every dialect and on near-canonical ones.

/** The path before the shortcut: detectDialect on every line, then conversion when foreign. */
function referenceDraft(value: unknown): unknown {
  const { dialect } = detectDialect(value)
  return dialect === 'canonical' || dialect === 'unknown' ? value : toCanonical(dialect, value)
}

type Outcome = { kind: 'same' } | { kind: 'converted'; draft: unknown } | { kind: 'refused'; error: string }

function outcomeOf(value: unknown, draftOf: (value: unknown) => unknown): Outcome {
  try {
    const draft = draftOf(value)
    return draft === value ? { kind: 'same' } : { kind: 'converted', draft }
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string }
    return { kind: 'refused', error: `${code}: ${message}` }
  }
}

const canonical = {
  type: 'note.added',
  ts: '2030-01-01T00:00:00.000Z',
  traceId: 't-1',
  source: 'cli',
  payload: { text: 'hi' },
}
const pinchy = {
  version: 'v1',
  event_id: 'e-1',
  trace_id: 't-1',
  occurred_at: '2030-01-01T00:00:00Z',
  event_type: 'note.added',
  tenant_id: 'tenant-a',
  source: { component_type: 'cron', component_id: 'cron-main', transport: 'internal' },
  payload: { text: 'hi' },
}
const adaos = {
  event_name: 'note.added',
  version: 1,
  ts: '2030-01-01T00:00:00Z',
  source: 'skill.notes@hostA',
  correlation_id: 'c-1',
  tenant: 'default',
  payload: { text: 'hi' },
}
const denis = {
  event_id: 12,
  conversation_id: 'conv-1',
  type: 'chat.message',
  channel: 'text',
  emitter: 'denis_persona',
  stored: true,
  ts: '2030-01-01T00:00:00Z',
  correlation_id: 't-1',
  turn_id: 't-1',
  payload: { role: 'user', content_sha256: 'ab'.repeat(32), content_len: 11 },
}
const cloudEvent = {
  specversion: '1.0',
  id: 'evt-1',
  source: '/sensors/1',
  type: 'sensor.reading.taken',
  time: '2030-01-01T00:00:00Z',
  data: { celsius: 21 },
}

const LINES: Record<string, unknown> = {
  canonical,
  'canonical, minimal': { type: 'note.added', payload: {} },
  'canonical, every field': {
    ...canonical,
    severity: 'info',
    tenant: 'default',
    sessionId: 's',
    meta: { a: 1 },
  },
  pinchy,
  adaos,
  denis,
  'denis, ephemeral': { ...denis, stored: false, event_id: 0 },
  cloudEvent,
  // Canonical-looking, with one dialect's marker key added.
  'canonical + specversion': { ...canonical, specversion: '1.0', id: 'x' },
  'canonical + specversion not a string': { ...canonical, specversion: 1 },
  'canonical + event_type': { ...canonical, event_type: 'note.added' },
  'canonical + occurred_at, version v1': { ...canonical, version: 'v1', occurred_at: '2030-01-01T00:00:00Z' },
  'canonical + occurred_at, version 1': { ...canonical, version: 1, occurred_at: '2030-01-01T00:00:00Z' },
  'canonical + event_name': { ...canonical, event_name: 'note.added' },
  'canonical + conversation_id': { ...canonical, conversation_id: 'c' },
  'canonical + emitter and stored': { ...canonical, emitter: 'e', stored: true },
  'canonical + emitter only': { ...canonical, emitter: 'e' },
  'canonical + stored only': { ...canonical, stored: true },
  'canonical + marker set to null': { ...canonical, event_name: null },
  'canonical + marker set to undefined': { ...canonical, conversation_id: undefined },
  // Markers that are not own keys, or not a plain object: detectDialect does not see them either.
  'marker only in a nested object': { ...canonical, payload: { event_type: 'x', specversion: '1.0' } },
  'marker on the prototype': Object.assign(Object.create({ event_name: 'note.added' }), canonical),
  'null prototype': Object.assign(Object.create(null), canonical),
  'null prototype + event_name': Object.assign(Object.create(null), adaos),
  'type without payload': { type: 'note.added', ts: '2030-01-01T00:00:00Z' },
  'empty object': {},
  array: [canonical],
  'array of a foreign event': [adaos],
  string: 'note.added',
  number: 3,
  null: null,
  'class instance': new Date(0),
  // Foreign lines the converter refuses: both paths must refuse them the same way.
  'pinchy, incomplete': { version: 'v1', event_type: 'note.added', occurred_at: '2030-01-01T00:00:00Z' },
  'adaos, no payload': { event_name: 'note.added' },
  'cloudevents, no id': { specversion: '1.0', source: '/s', type: 'a.b' },
}

test('toBusDraft answers what detectDialect answers on lines of every dialect and near-canonical ones', () => {
  const kinds = new Set<string>()
  for (const [name, value] of Object.entries(LINES)) {
    const expected = outcomeOf(value, referenceDraft)
    assert.deepEqual(outcomeOf(value, toBusDraft), expected, name)
    kinds.add(expected.kind)
    const { dialect } = detectDialect(value)
    // The shortcut is taken only where detection would have left the line as it is.
    if (hasNoDialectMarker(value)) assert.ok(dialect === 'canonical' || dialect === 'unknown', name)
  }
  // The lines did reach every outcome (the comparison compared something of each kind).
  assert.deepEqual([...kinds].sort(), ['converted', 'refused', 'same'])
  for (const name of ['pinchy', 'adaos', 'denis', 'cloudEvent', 'canonical + emitter and stored'])
    assert.equal(hasNoDialectMarker(LINES[name]), false, name)
  for (const name of ['canonical', 'canonical, minimal', 'canonical + stored only'])
    assert.equal(hasNoDialectMarker(LINES[name]), true, name)
})

// Every key detectDialect reads, each with a value that makes its check pass, plus an unrelated one.
const KEYS: [string, unknown][] = [
  ['specversion', '1.0'],
  ['event_type', 'a.b'],
  ['version', 'v1'],
  ['occurred_at', '2030-01-01T00:00:00Z'],
  ['event_name', 'a.b'],
  ['conversation_id', 'c1'],
  ['emitter', 'e'],
  ['stored', true],
  ['type', 'note.added'],
  ['payload', { n: 1 }],
  ['ts', '2030-01-01T00:00:00Z'],
  ['other', 1],
]

test('the shortcut and detectDialect agree on every combination of the keys detectDialect reads', () => {
  let shortcuts = 0
  for (let mask = 0; mask < 1 << KEYS.length; mask++) {
    const value: Record<string, unknown> = {}
    KEYS.forEach(([key, field], bit) => {
      if (mask & (1 << bit)) value[key] = field
    })
    const { dialect } = detectDialect(value)
    const name = `${JSON.stringify(value)} is ${dialect}`
    // Never taken on a foreign line (a marker that does not decide alone falls back to detection).
    if (hasNoDialectMarker(value)) {
      assert.ok(dialect === 'canonical' || dialect === 'unknown', name)
      shortcuts++
    }
    assert.deepEqual(outcomeOf(value, toBusDraft), outcomeOf(value, referenceDraft), name)
  }
  assert.ok(shortcuts > 0 && shortcuts < 1 << KEYS.length)
})
