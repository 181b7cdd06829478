import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { registryEntry } from '../../test/kit/registry-entry.ts'
import type { Envelope } from './envelope.ts'
import { createGuardrails, type GuardrailSummary } from './guardrails.ts'
import type { RegistryDocument } from './registry-types.ts'
import { findSecrets, SECRET_DETECTOR_KINDS, scrubSecrets, secretMarker } from './secret-detectors.ts'
import { SECRET_KEY_NAMES } from './secret-key-names.ts'

const registry: RegistryDocument = {
  catalogVersion: 'test',
  envelope: {},
  result: {},
  hubManifest: {},
  entries: [
    registryEntry('tool.called', {
      type: 'object',
      properties: {
        note: { type: 'string', 'x-redact': 'cap:40' },
        args: { type: 'object', 'x-redact': 'hash' },
      },
    }),
  ],
}

const KEY = 'sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c'
const GITHUB = 'ghp_Zx8Cv7Bn6Mq5Wr4Ty3Ui2Op1As9Df8Gh7Jk6'
const RANDOM = 'Q7mZ2rX9vL4tB8nK1pW6yH3cF5dJ0sGa'
const sha = (text: string) => createHash('sha256').update(text).digest('hex')

function envelope(payload: Record<string, unknown>, extra: Partial<Envelope> = {}): Envelope {
  return {
    id: '0190b7e4-1c2a-7abc-8def-0123456789ab',
    type: 'tool.called',
    version: 1,
    ts: '2026-11-23T10:00:00.000Z',
    source: 'kernel',
    severity: 'info',
    traceId: 't',
    tenant: 'default',
    payload,
    ...extra,
  }
}

const summaryOf = (event: Envelope) => event.payload._guardrails as GuardrailSummary
const guard = createGuardrails(registry)

describe('secret values in the persisted form', () => {
  test('a key in free text becomes a marker with its sha256 and length, counted once per secret', () => {
    const out = guard(envelope({ target: `use ${KEY} or ${GITHUB}`, keep: 'plain words' }))
    assert.equal(
      out.payload.target,
      `use ${secretMarker('openai', KEY)} or ${secretMarker('github', GITHUB)}`,
    )
    assert.equal(secretMarker('openai', KEY), `[REDACTED:openai:sha256=${sha(KEY)}:len=${KEY.length}]`)
    assert.equal(out.payload.keep, 'plain words')
    assert.deepEqual(summaryOf(out).replaced, ['/payload/target', '/payload/target'])
  })

  test('every key name of the list is dropped in payload and meta, whatever its case and separators', () => {
    for (const name of [
      ...SECRET_KEY_NAMES,
      'apiKey',
      'api-key',
      'X-Api-Key',
      'Client_Secret',
      'set-cookie',
    ]) {
      const out = guard(envelope({ deep: [{ [name]: 'abc', keep: 1 }] }, { meta: { [name]: 'abc', ok: 1 } }))
      assert.deepEqual(out.payload.deep, [{ keep: 1 }], name)
      assert.deepEqual(out.meta, { ok: 1 }, name)
      assert.deepEqual(summaryOf(out).dropped.sort(), [`/meta/${name}`, `/payload/deep/0/${name}`].sort())
    }
  })

  test("seed 003's content keys are dropped only by their whole name", () => {
    const out = guard(
      envelope({ Prompt: 'p', HTML: 'h', snippet: 's', system_prompt: 'kept', htmlTitle: 'kept' }),
    )
    assert.deepEqual(out.payload, {
      system_prompt: 'kept',
      htmlTitle: 'kept',
      _guardrails: {
        dropped: ['/payload/Prompt', '/payload/HTML', '/payload/snippet'],
        hashed: [],
        capped: [],
        replaced: [],
      },
    })
  })

  test('names that only look similar are kept, and an event without secrets is returned as it is', () => {
    const input = envelope({
      max_tokens: 512,
      input_tokens: 3,
      tokenizer: 'bpe',
      keyboard: 'us',
      author: 'Ada',
    })
    assert.equal(guard(input), input)
  })

  test('envelope string fields: secrets replaced in place, deterministic, within the schema length', () => {
    const out = guard(
      envelope(
        { ok: 1 },
        {
          source: `cli ${KEY}`,
          traceId: KEY,
          sessionId: `s-${KEY}`,
          causationId: 'c',
          tenant: `t ${GITHUB}`,
          idempotencyKey: `k ${GITHUB}`,
        },
      ),
    )
    assert.equal(out.source, `cli ${secretMarker('openai', KEY)}`)
    assert.equal(out.traceId, secretMarker('openai', KEY))
    assert.equal(out.sessionId, `s-${secretMarker('openai', KEY)}`)
    assert.equal(out.causationId, 'c')
    assert.equal(out.idempotencyKey, `k ${secretMarker('github', GITHUB)}`)
    assert.equal(out.tenant, `t ${secretMarker('github', GITHUB)}`)
    assert.deepEqual(summaryOf(out).replaced, [
      '/source',
      '/traceId',
      '/sessionId',
      '/tenant',
      '/idempotencyKey',
    ])
    // Three keys in a 200-character sessionId would grow past the limit: one marker for the whole value.
    const crowded = `${KEY} ${KEY.replace('4f', '5f')} ${KEY.replace('4f', '6f')}`
    const long = guard(envelope({ ok: 1 }, { sessionId: crowded }))
    assert.equal(long.sessionId, secretMarker('openai', crowded))
    assert.ok(long.sessionId!.length <= 200)
  })

  test('ids are random by nature: the high-entropy detector is off in envelope fields and *Id, digest, public-key fields', () => {
    const input = envelope(
      { requestId: RANDOM, checksum: RANDOM, remote_public_key_ed25519: `${RANDOM}AbCd12=`, note: 'short' },
      { traceId: RANDOM, sessionId: RANDOM },
    )
    assert.equal(guard(input), input)
    const out = guard(envelope({ requestId: KEY, free: RANDOM }))
    assert.equal(out.payload.requestId, secretMarker('openai', KEY), 'known shapes are still found there')
    assert.equal(out.payload.free, secretMarker('high-entropy', RANDOM))
  })

  test('a cap rule cuts after the secret is replaced, so no half key is left', () => {
    const note = `${'x'.repeat(30)} ${KEY}`
    const out = guard(envelope({ note }))
    assert.equal(out.payload.note, `${'x'.repeat(30)} ${secretMarker('openai', KEY)}`.slice(0, 40))
    assert.equal(String(out.payload.note).includes(KEY.slice(0, 9)), false)
    assert.deepEqual(summaryOf(out).replaced, ['/payload/note'])
  })

  test('the general cap also cuts after the secret is replaced', () => {
    const capped = createGuardrails(registry, { maxStringChars: 40 })
    const out = capped(envelope({ free: `${'y'.repeat(35)} ${KEY}` }))
    assert.equal(out.payload.free, `${'y'.repeat(35)} ${secretMarker('openai', KEY)}`.slice(0, 40))
    assert.deepEqual([summaryOf(out).replaced, summaryOf(out).capped], [['/payload/free'], ['/payload/free']])
  })

  test('a secret used as a key is dropped and its pointer names the marker', () => {
    const out = guard(envelope({ map: { [KEY]: 1, plain: 2 } }))
    assert.deepEqual(out.payload.map, { plain: 2 })
    assert.equal(JSON.stringify(out).includes(KEY), false)
    assert.deepEqual(summaryOf(out).replaced, [`/payload/map/${secretMarker('openai', KEY)}`])
  })

  test('guarding the persisted form again changes nothing (markers are not secrets)', () => {
    const once = guard(envelope({ target: `key ${KEY}`, nested: { password: 'x' } }, { traceId: KEY }))
    assert.equal(guard(once), once)
  })

  test('lone surrogates never make guardrails throw: hashed as U+FFFD', () => {
    const out = guard(envelope({ args: { path: 'x\ud800y', 'k\udc00': 1 } }))
    assert.equal(out.payload.args_sha256, sha('{"k\ufffd":1,"path":"x\ufffdy"}'))
    assert.doesNotThrow(() => guard(envelope({ target: `x\ud800 ${KEY}` }, { traceId: 'x\udfff' })))
  })
})

describe('detectors', () => {
  test('every marker fits an envelope field (200 characters) and names a listed kind', () => {
    const secret = 'x'.repeat(10_000)
    for (const kind of SECRET_DETECTOR_KINDS) assert.ok(secretMarker(kind, secret).length <= 200, kind)
  })

  test('findings do not overlap and come left to right', () => {
    const text = `Authorization: Bearer ${GITHUB} then password=${KEY}`
    const found = findSecrets(text)
    assert.deepEqual(
      found.map((finding) => [finding.kind, text.slice(finding.start, finding.end)]),
      [
        ['github', GITHUB],
        ['openai', KEY],
      ],
    )
  })

  test('random-looking runs longer than 512 characters are data, not credentials; known shapes still count', () => {
    const blob = RANDOM.repeat(17)
    assert.equal(findSecrets(blob).length, 0)
    assert.equal(findSecrets(`${blob} ${KEY}`).length, 1)
    assert.equal(findSecrets(RANDOM).length, 1)
  })

  test('placeholders and masks after a secret name are left alone', () => {
    for (const text of [
      'password: ********',
      'token=$' + '{TOKEN}',
      'api_key: <your key>',
      'secret: [redacted]',
    ])
      assert.equal(scrubSecrets(text).findings.length, 0, text)
  })

  test('hostile input stays linear: a megabyte of token characters is scanned quickly', () => {
    const started = performance.now()
    scrubSecrets('a'.repeat(1_000_000))
    scrubSecrets('password= '.repeat(100_000))
    scrubSecrets(`-----BEGIN PRIVATE KEY-----${' x'.repeat(200_000)}`)
    assert.ok(performance.now() - started < 5_000)
  })
})
