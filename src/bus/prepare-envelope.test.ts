// The publish path after decisions 1750–1754, end to end on the memory transport: a bad field a
// producer gives is refused with the error data Ajv alone would give, and secrets are redacted
// everywhere in a payload before the log keeps the event.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { openBus } from '../bus-factory/index.ts'
import { createContracts, createGuardrails, type Envelope } from '../contracts/index.ts'
import { prepareEnvelope } from './prepare-envelope.ts'

const registry = testRegistry()
// A `$comment` leaves Ajv's answers as they are but turns the hand-written check off (1751).
const ajvOnly = createContracts({ ...registry, envelope: { ...registry.envelope, $comment: 'Ajv alone' } })
const settings = {
  contracts: createContracts(registry),
  guardrails: createGuardrails(registry),
  defaultSource: 'test',
}
const NOW = Date.UTC(2026, 11, 6, 4, 0, 0)

test('a bad producer-supplied field is refused with the same error data as Ajv gives', () => {
  const bad: Record<string, unknown>[] = [
    { source: '' },
    { source: 'x'.repeat(501) },
    { severity: 'loud' },
    { tenant: '' },
    { sessionId: 'x'.repeat(201) },
    { causationId: 42 },
    { idempotencyKey: '' },
    { version: 1.5 },
    { traceId: '' },
    { meta: [] },
    { colour: 'red' },
    { type: 'Note.added' },
  ]
  for (const fields of bad) {
    const draft = { type: 'note.added', payload: { n: 1 }, ...fields }
    const prepared = prepareEnvelope(draft, NOW, settings)
    assert.equal(prepared.ok, false, JSON.stringify(fields))
    if (prepared.ok) continue
    // The same candidate, checked by Ajv alone: prepareEnvelope with the Ajv-only contracts.
    const expected = prepareEnvelope(draft, NOW, { ...settings, contracts: ajvOnly })
    assert.deepEqual(prepared, expected, JSON.stringify(fields))
    assert.equal(prepared.error.code, 'E_VALIDATION')
  }
})

test('secrets are redacted in the stored event: password keys, sk- values, envelope fields', async () => {
  const bus = await openBus({ transport: 'memory', registry })
  after(() => bus.close())
  const key = 'sk-live-4eC39HqLyjWDarjtT1zdp7dc'
  const [outcome] = await bus.publishManyUntyped([
    {
      type: 'note.added',
      payload: { n: 1, title: `deploy with ${key}` },
      meta: { nested: [{ password: 'hunter2' }], header: `Bearer ${key}` },
      sessionId: `session ${key}`,
    },
  ])
  assert.ok(outcome?.ok, JSON.stringify(outcome))
  const stored: Envelope[] = []
  for await (const envelope of bus.replay()) stored.push(envelope)
  assert.equal(stored.length, 1)
  const text = JSON.stringify(stored[0])
  assert.ok(!text.includes(key), 'the sk- key is not stored')
  assert.ok(!text.includes('hunter2'), 'the password is not stored')
  assert.match(
    String(stored[0]!.payload.title),
    /^deploy with \[REDACTED:openai:sha256=[0-9a-f]{64}:len=\d+\]$/,
  )
  assert.match(String(stored[0]!.sessionId), /^session \[REDACTED:/)
  const summary = stored[0]!.payload._guardrails as { dropped: string[]; replaced: string[] }
  assert.deepEqual(summary.dropped, ['/meta/nested/0/password'])
  assert.ok(summary.replaced.includes('/payload/title') && summary.replaced.includes('/sessionId'))
})

test('drafts of alternating types each get their own catalog entry and redaction rules', () => {
  // The last lookup is remembered (decision 1763): a change of type must not reuse it.
  const fresh = { ...settings, guardrails: createGuardrails(registry) }
  const drafts = [
    { type: 'note.added', payload: { n: 1, noteId: 'note-1' } },
    { type: 'chat.query', payload: { text: 'what is on my list' } },
    { type: 'note.added', payload: { n: 2, noteId: 'note-2' } },
    { type: 'chat.query', payload: { text: 'and tomorrow' } },
    { type: 'note.added', payload: { n: 3 } },
    { type: 'chat.query', payload: { text: 'thanks' } },
  ]
  for (let round = 0; round < 2; round++) {
    for (const draft of drafts) {
      const prepared = prepareEnvelope(draft, NOW, fresh)
      assert.ok(prepared.ok, JSON.stringify(draft))
      const { envelope, full } = prepared
      assert.equal(prepared.entry.type, draft.type)
      assert.equal(full.type, draft.type)
      if (draft.type === 'chat.query') {
        assert.equal(envelope.payload.text, undefined, 'the text is hashed, not stored')
        assert.equal(typeof envelope.payload.text_sha256, 'string')
        assert.equal(full.idempotencyKey, undefined)
      } else {
        assert.equal(envelope.payload, draft.payload, 'no rule: the payload as given')
        assert.equal(full.idempotencyKey, (draft.payload as { noteId?: string }).noteId)
      }
    }
  }
})
