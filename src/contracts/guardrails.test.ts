import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { registryEntry } from '../../test/kit/registry-entry.ts'
import type { Envelope } from './envelope.ts'
import { codePointLength, createGuardrails } from './guardrails.ts'
import type { RegistryDocument } from './registry-types.ts'

const registry: RegistryDocument = {
  catalogVersion: 'test',
  envelope: {},
  result: {},
  hubManifest: {},
  entries: [
    registryEntry('chat.message', {
      type: 'object',
      properties: {
        role: { type: 'string' },
        content: { type: 'string', 'x-redact': 'hash' },
        apiKeyEcho: { type: 'string', 'x-redact': 'drop' },
        tags: { type: 'array', items: { type: 'string' }, 'x-redact': 'cap:2' },
        parts: {
          type: 'array',
          items: { type: 'object', properties: { body: { type: 'string', 'x-redact': 'hash' } } },
        },
      },
    }),
  ],
}

function envelope(payload: Record<string, unknown>, meta?: Record<string, unknown>): Envelope {
  return {
    id: '0190b7e4-1c2a-7abc-8def-0123456789ab',
    type: 'chat.message',
    version: 1,
    ts: '2026-11-23T10:00:00.000Z',
    source: 'kernel',
    severity: 'info',
    traceId: 't',
    tenant: 'default',
    payload,
    ...(meta ? { meta } : {}),
  }
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

describe('guardrails', () => {
  const guard = createGuardrails(registry, { maxStringChars: 20, maxListItems: 3 })

  test('hash replaces a content field by <field>_sha256 and <field>_len', () => {
    const out = guard(envelope({ role: 'assistant', content: 'héllo 👋' }))
    assert.deepEqual(out.payload, {
      role: 'assistant',
      content_sha256: sha('héllo 👋'),
      content_len: 7,
      _guardrails: { dropped: [], hashed: ['/payload/content'], capped: [], replaced: [] },
    })
  })

  test('drop, cap:n and nested array items follow the schema annotations', () => {
    const out = guard(
      envelope({ apiKeyEcho: 'k', tags: ['a', 'b', 'c'], parts: [{ body: 'x' }, { body: 'y' }] }),
    )
    assert.equal('apiKeyEcho' in out.payload, false)
    assert.deepEqual(out.payload.tags, ['a', 'b'])
    assert.deepEqual(out.payload.parts, [
      { body_sha256: sha('x'), body_len: 1 },
      { body_sha256: sha('y'), body_len: 1 },
    ])
    assert.deepEqual((out.payload._guardrails as { hashed: string[] }).hashed, [
      '/payload/parts/0/body',
      '/payload/parts/1/body',
    ])
  })

  test('denied keys are dropped anywhere, in payload and meta, whatever their case', () => {
    const out = guard(
      envelope(
        { role: 'user', nested: { Authorization: 'Bearer x', deep: [{ api_key: 'k', keep: 1 }] } },
        { token: 't', ok: 1 },
      ),
    )
    assert.deepEqual(out.payload.nested, { deep: [{ keep: 1 }] })
    assert.deepEqual(out.meta, { ok: 1 })
    assert.deepEqual((out.payload._guardrails as { dropped: string[] }).dropped.sort(), [
      '/meta/token',
      '/payload/nested/Authorization',
      '/payload/nested/deep/0/api_key',
    ])
  })

  test('long strings and lists are capped with a summary', () => {
    const out = guard(envelope({ role: 'x'.repeat(50), list: [1, 2, 3, 4, 5] }))
    assert.equal(out.payload.role, 'x'.repeat(20))
    assert.deepEqual(out.payload.list, [1, 2, 3])
    assert.deepEqual((out.payload._guardrails as { capped: string[] }).capped, [
      '/payload/role',
      '/payload/list',
    ])
  })

  test('an envelope with nothing to change comes back as the same object, without a summary', () => {
    const input = envelope({ role: 'user' })
    assert.equal(guard(input), input)
  })

  test('the input is never mutated and __proto__ keys stay data', () => {
    const payload = JSON.parse('{"content":"secret text","__proto__":{"token":"t","x":1}}')
    const input = envelope(payload)
    const snapshot = JSON.stringify(input)
    const out = guard(input)
    assert.equal(JSON.stringify(input), snapshot)
    assert.deepEqual(Object.getPrototypeOf(out.payload), Object.prototype)
    assert.deepEqual(Object.getOwnPropertyDescriptor(out.payload, '__proto__')?.value, { x: 1 })
    assert.equal(({} as Record<string, unknown>).x, undefined)
  })

  test('code point length counts astral characters once', () => {
    assert.equal(codePointLength('a👋b'), 3)
    assert.equal(codePointLength('\ud800'), 1)
  })
})
