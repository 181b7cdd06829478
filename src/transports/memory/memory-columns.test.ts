// The memory log keeps most events without objects of their own (decision 1760); what a reader
// gets back must be exactly what withSequence gives for the appended envelope, fields and order.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { uuidV7, withSequence } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { MemoryColumns } from './memory-columns.ts'

function pick<T>(values: readonly T[]): T {
  return values[Math.floor(Math.random() * values.length)]!
}

/** Envelopes as the bus appends them, and odd ones no validated envelope would be. */
function randomEnvelope(): { envelope: Envelope; sessionSeq: number | undefined } {
  const id = pick([uuidV7(), uuidV7(), randomUUID(), randomUUID().toUpperCase(), 'not-a-uuid'])
  const envelope: Record<string, unknown> = {
    id,
    type: pick(['note.added', 'chat.query', 'tool.call']),
    version: pick([1, 1, 2, 1.5]),
    ts: pick(['2026-12-06T05:00:00.000Z', '2026-12-06T05:00:00.001Z', new Date().toISOString()]),
    source: pick(['bench', 'test', 'kernel']),
    severity: pick(['info', 'info', 'debug', 'warn', 'error', 'loud']),
    traceId: pick([id, id, 'trace-1', randomUUID()]),
  }
  if (Math.random() < 0.2) envelope.causationId = pick(['cause-1', randomUUID()])
  if (Math.random() < 0.2) envelope.sessionId = pick(['session-1', 'session-2'])
  envelope.tenant = pick(['default', 'default', 'other'])
  if (Math.random() < 0.1) envelope.idempotencyKey = pick(['key-1', 'key-2'])
  envelope.payload = pick([{ n: 1 }, { text: 'x', nested: { deep: [1, 2] } }, {}])
  if (Math.random() < 0.1) envelope.meta = { origin: 'test' }
  const sessionSeq = envelope.sessionId === undefined ? undefined : Math.ceil(Math.random() * 9)
  return { envelope: envelope as unknown as Envelope, sessionSeq }
}

test('every record reads back as withSequence of its envelope, field order included', () => {
  const columns = new MemoryColumns()
  const appended: { envelope: Envelope; sessionSeq: number | undefined }[] = []
  for (let index = 0; index < 20_000; index++) {
    const event = randomEnvelope()
    appended.push(event)
    assert.equal(columns.push(event.envelope, event.sessionSeq, index, index + 1), index + 1)
  }
  for (let index = 0; index < appended.length; index++) {
    const { envelope, sessionSeq } = appended[index]!
    const expected = withSequence(envelope, index + 1, sessionSeq)
    const stored = columns.storedAt(index)
    assert.deepEqual(stored, expected)
    assert.equal(JSON.stringify(stored), JSON.stringify(expected))
    assert.equal(stored.payload, envelope.payload, 'the payload is the appended one, not a copy')
    const record = columns.record(index + 1)!
    assert.equal(record.id, envelope.id)
    assert.equal(record.type, envelope.type)
    assert.equal(record.ts, envelope.ts)
    assert.equal(record.sessionId, envelope.sessionId)
    assert.equal(record.sessionSeq, sessionSeq)
    assert.equal(record.timeMs, index)
    assert.equal(columns.appendedAt(index), index + 1)
  }
  assert.equal(columns.record(appended.length + 1), undefined)
  columns.clear()
  assert.equal(columns.length, 0)
})

test('a compact event keeps neither its envelope nor its id string (< 64 bytes of heap each)', () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const count = 100_000
  const payload = { n: 1 }
  const ts = new Date().toISOString()
  const columns = new MemoryColumns()
  // A first push sizes nothing in advance: the columns grow as the log does.
  gc()
  const before = process.memoryUsage().heapUsed
  for (let index = 0; index < count; index++) {
    const id = uuidV7()
    const envelope = { id, type: 'note.added', version: 1, ts, source: 'test', severity: 'info' }
    columns.push({ ...envelope, traceId: id, tenant: 'default', payload } as Envelope, undefined, 1, 1)
  }
  gc()
  const perEvent = (process.memoryUsage().heapUsed - before) / count
  assert.equal(columns.length, count)
  // Keeping the envelope and its id cost ~170 bytes per event (decision 1753); two array slots
  // are 16, plus the arrays' spare capacity.
  assert.ok(perEvent < 64, `each event kept costs ${perEvent.toFixed(0)} bytes of heap`)
})
