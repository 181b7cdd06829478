// The memory log reads an item's dedupe keys only when its envelope has an idempotency key, so the
// bus need not make them for every event (decision 1761); keyed events still dedupe by key.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type AppendItem, dedupeKeysOf, uuidV7 } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { createMemoryBackend } from './memory-log.ts'

function envelope(fields: Partial<Envelope> = {}): Envelope {
  const id = uuidV7()
  return {
    id,
    type: 'note.added',
    version: 1,
    ts: new Date().toISOString(),
    source: 'test',
    severity: 'info',
    traceId: id,
    tenant: 'default',
    payload: { n: 1 },
    ...fields,
  } as Envelope
}

/** An item whose keys count how often they are read. */
function item(of: Envelope, reads: { count: number }): AppendItem {
  return {
    envelope: of,
    generatedId: true,
    get dedupeKeys() {
      reads.count++
      return dedupeKeysOf(of)
    },
  }
}

test('keys are not read for an envelope without an idempotency key', async () => {
  const log = createMemoryBackend({ dedupeWindowMs: 60_000, now: () => 1 })
  const reads = { count: 0 }
  const outcomes = await log.append([item(envelope(), reads), item(envelope(), reads)])
  assert.deepEqual(
    outcomes.map((outcome) => [outcome.seq, outcome.duplicate === true]),
    [
      [1, false],
      [2, false],
    ],
  )
  assert.equal(reads.count, 0)
})

test('an idempotency key is read from the keys and dedupes a later event', async () => {
  const log = createMemoryBackend({ dedupeWindowMs: 60_000, now: () => 1 })
  const reads = { count: 0 }
  const first = envelope({ idempotencyKey: 'k-1' })
  const [stored] = await log.append([item(first, reads)])
  const [again] = await log.append([item(envelope({ idempotencyKey: 'k-1' }), reads)])
  assert.ok(reads.count > 0)
  // A new event's outcome is a receipt's shape, handed over by the bus as is (decision 2095).
  assert.deepEqual(Object.keys(stored!), ['id', 'seq'])
  assert.deepEqual([again!.duplicate, again!.id, again!.seq], [true, first.id, 1])
})
