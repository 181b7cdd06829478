import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Envelope } from '../contracts/index.ts'
import { envelopeJson, resequenceEnvelopeJson } from './envelope-json.ts'

const hostile = ',"seq":0,"x":"\\u0000",\n"seq":0,"sessionSeq":7,'
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
  payload: { seq: 0, sessionSeq: 7, text: hostile },
  meta: { note: hostile },
} as unknown as Envelope

test('stored JSON: seq and sessionSeq land in their canonical place, whatever the strings contain', () => {
  const stored = JSON.parse(envelopeJson(envelope, 42, 7)) as Record<string, unknown>
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
  const plain = JSON.parse(envelopeJson({ ...envelope, sessionId: undefined, meta: undefined }, 1, undefined))
  assert.equal(plain.seq, 1)
  assert.equal('sessionSeq' in plain, false)
  assert.equal('meta' in plain, false)
})

test('a guessed seq is rewritten to the one the event got, and only there (decision 1744)', () => {
  // Written as seq 0 / sessionSeq 7: the same text as the hostile strings and the payload hold.
  const written = envelopeJson(envelope, 0, 7)
  assert.equal(resequenceEnvelopeJson(written, 0, 7, 0, 7), written, 'a right guess is kept as is')
  const fixed = JSON.parse(resequenceEnvelopeJson(written, 0, 7, 1234, 56)) as Record<string, unknown>
  assert.deepEqual(fixed, JSON.parse(envelopeJson(envelope, 1234, 56)))
  assert.equal(fixed.seq, 1234)
  assert.equal(fixed.sessionSeq, 56)
  assert.deepEqual(fixed.payload, { seq: 0, sessionSeq: 7, text: hostile })
  const unsessioned = { ...envelope, sessionId: undefined, payload: { seq: 5 } } as Envelope
  const guessed = envelopeJson(unsessioned, 5, undefined)
  assert.equal(
    resequenceEnvelopeJson(guessed, 5, undefined, 6, undefined),
    envelopeJson(unsessioned, 6, undefined),
  )
  assert.throws(() => resequenceEnvelopeJson(guessed, 4, undefined, 6, undefined), /lost its seq/)
})
