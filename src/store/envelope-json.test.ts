import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Envelope } from '../contracts/index.ts'
import { envelopeJsonParts, joinEnvelopeJson } from './envelope-json.ts'

test('stored JSON: seq and sessionSeq land in their canonical place, whatever the strings contain', () => {
  const hostile = ',"seq":0,"x":"\\u0000",\n"seq":0,'
  const envelope = {
    id: 'id-1',
    type: 'note.added',
    version: 1,
    ts: '2030-01-01T00:00:00.000Z',
    source: hostile,
    severity: 'info',
    traceId: hostile,
    sessionId: 's',
    tenant: 'default',
    idempotencyKey: hostile,
    seq: 999,
    payload: { seq: 0, text: hostile },
    meta: { note: hostile },
  } as unknown as Envelope
  const parts = envelopeJsonParts(envelope)
  const stored = JSON.parse(joinEnvelopeJson(parts, 42, 7)) as Record<string, unknown>
  assert.deepEqual(Object.keys(stored), [
    'id',
    'type',
    'version',
    'ts',
    'source',
    'severity',
    'traceId',
    'sessionId',
    'tenant',
    'idempotencyKey',
    'seq',
    'sessionSeq',
    'payload',
    'meta',
  ])
  assert.equal(stored.seq, 42)
  assert.equal(stored.sessionSeq, 7)
  assert.equal(stored.source, hostile)
  assert.deepEqual(stored.payload, JSON.parse(JSON.stringify(envelope.payload)))
  const plain = JSON.parse(
    joinEnvelopeJson(envelopeJsonParts({ ...envelope, meta: undefined }), 1, undefined),
  )
  assert.equal(plain.seq, 1)
  assert.equal('sessionSeq' in plain, false)
  assert.equal('meta' in plain, false)
})
