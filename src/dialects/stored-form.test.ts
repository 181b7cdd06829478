import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createAjv, looksStored, storedFormSchema } from '../contracts/index.ts'
import { pinchyPayloadWarnings } from './pinchy-advisories.ts'

// In-flight: text hashed, secret dropped, a list of hits whose snippet is dropped, a capped note.
const inFlight = {
  type: 'object',
  additionalProperties: false,
  required: ['text', 'secret', 'hits'],
  properties: {
    text: { type: 'string', 'x-redact': 'hash' },
    secret: { type: 'string', 'x-redact': 'drop' },
    note: { type: 'string', maxLength: 10, 'x-redact': 'cap:10' },
    hits: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'snippet'],
        properties: { id: { type: 'string' }, snippet: { type: 'string', 'x-redact': 'drop' } },
      },
    },
  },
}

describe('the stored form derived from an in-flight schema (catalog/README.md "Redaction")', () => {
  const validate = createAjv().compile(storedFormSchema(inFlight))

  test('hash becomes _sha256 + _len, drop disappears at any depth, cap stays, _guardrails is allowed', () => {
    const stored = {
      text_sha256: 'a'.repeat(64),
      text_len: 5,
      note: 'short',
      hits: [{ id: 'h1' }],
      _guardrails: { hashed: ['/payload/text'] },
    }
    assert.equal(validate(stored), true, JSON.stringify(validate.errors))
    assert.equal(validate({ ...stored, text: 'raw' }), false, 'the in-flight field is not in the stored form')
    assert.equal(validate({ ...stored, text_sha256: 'xyz' }), false)
    assert.equal(validate({ hits: [] }), false, 'a required hashed field stays required as its digest')
  })

  test('a payload is recognised as stored only by fields the stored form alone has', () => {
    assert.equal(looksStored(inFlight, { text_sha256: 'a'.repeat(64), text_len: 1, hits: [] }), true)
    assert.equal(looksStored(inFlight, { text: 'raw', secret: 's', hits: [] }), false)
    assert.equal(looksStored(inFlight, 'not an object'), false)
  })
})

describe('Pinchy payload advice', () => {
  const raw = Buffer.alloc(32, 3).toString('base64')
  const spki = (prefix: string) =>
    Buffer.concat([Buffer.from(prefix, 'hex'), Buffer.alloc(32, 3)]).toString('base64')

  test('raw keys and full digests pass silently; SPKI keys, odd keys and short digests are named', () => {
    const good = {
      remote_public_key_ed25519: raw,
      remote_public_key_x25519: raw,
      mtls_cert_fingerprint: `sha256:${'f'.repeat(64)}`,
    }
    assert.deepEqual(pinchyPayloadWarnings('pairing.completed', good), [])
    const odd = pinchyPayloadWarnings('pairing.completed', {
      remote_public_key_ed25519: spki('302a300506032b6570032100'),
      remote_public_key_x25519: 'base64...',
      mtls_cert_fingerprint: 'sha256:...',
    })
    assert.deepEqual(
      odd.map((warning) => warning.path),
      [
        '/payload/remote_public_key_ed25519',
        '/payload/remote_public_key_x25519',
        '/payload/mtls_cert_fingerprint',
      ],
    )
    assert.match(odd[0]!.message, /SPKI DER ed25519/)
    assert.match(odd[1]!.message, /not a base64 32-byte x25519 key/)
    assert.equal(pinchyPayloadWarnings('config.reverted', { checksum: 'sha256:12ab' }).length, 1)
    assert.deepEqual(pinchyPayloadWarnings('cron.triggered', { checksum: 'x' }), [])
  })
})
