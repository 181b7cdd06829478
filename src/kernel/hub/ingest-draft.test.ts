import assert from 'node:assert/strict'
import { test } from 'node:test'
import { detectDialect } from '../../dialects/index.ts'
import { toDraft } from './ingest-draft.ts'

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

function passesThrough(value: unknown): boolean {
  try {
    return toDraft(value, undefined) === value
  } catch {
    return false
  }
}

test('the canonical shortcut of toDraft agrees with detectDialect on every combination of its keys', () => {
  let shortcuts = 0
  for (let mask = 0; mask < 1 << KEYS.length; mask++) {
    const value: Record<string, unknown> = {}
    KEYS.forEach(([key, field], bit) => {
      if (mask & (1 << bit)) value[key] = field
    })
    const { dialect } = detectDialect(value)
    const asIs = dialect === 'canonical' || dialect === 'unknown'
    assert.equal(passesThrough(value), asIs, `${JSON.stringify(value)} is ${dialect}`)
    if (asIs) shortcuts++
  }
  // Both kinds were met (the loop did compare something).
  assert.ok(shortcuts > 0 && shortcuts < 1 << KEYS.length)
})

test('toDraft leaves non-objects and class instances to detectDialect, and honours a hint', () => {
  for (const value of [null, 3, 'text', [1, 2], new Date(0)]) assert.equal(toDraft(value, undefined), value)
  // A foreign marker sends it to detectDialect and conversion (which refuses this incomplete one).
  const pinchy = { version: 'v1', event_type: 'note.added', occurred_at: '2030-01-01T00:00:00Z', data: {} }
  assert.equal(passesThrough(pinchy), false)
  // A hint is obeyed even when the object carries no marker.
  const plain = { type: 'note.added', payload: {} }
  assert.equal(toDraft(plain, 'canonical'), plain)
})
