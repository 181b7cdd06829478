import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import type { RegistryDocument } from './registry-types.ts'
import { createContracts } from './validator.ts'

const envelopeSchema = JSON.parse(
  readFileSync(new URL('../../catalog/envelope.schema.json', import.meta.url), 'utf8'),
)

// A registry of its own, so these tests pin validator behaviour whatever the catalog holds.
const registry: RegistryDocument = {
  catalogVersion: 'test',
  envelope: envelopeSchema,
  result: {},
  hubManifest: {},
  entries: [1, 2].map((version) => ({
    type: 'chat.query',
    version,
    kind: 'event' as const,
    summary: 'test',
    producers: [],
    consumers: [],
    stored: true,
    channel: 'text' as const,
    ui: { render: 'chat', icon: 'message' },
    semantics: { delivery: 'at-least-once' as const, ordering: 'session' as const },
    status: 'stable' as const,
    aliases: version === 1 ? ['chat.ask'] : [],
    origin: ['000'],
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['text'],
      properties: { text: { type: 'string', maxLength: 50 }, locale: { type: 'string' } },
    },
    examples: [],
  })),
}

const valid = {
  id: '0190b7e4-1c2a-7abc-8def-0123456789ab',
  type: 'chat.query',
  version: 1,
  ts: '2026-11-23T10:00:00.000Z',
  source: 'kernel',
  severity: 'info',
  traceId: 'trace-1',
  tenant: 'default',
  payload: { text: 'hello' },
}

function issuesOf(outcome: ReturnType<ReturnType<typeof createContracts>['validateEnvelope']>) {
  assert.equal(outcome.ok, false)
  return outcome.ok ? [] : (outcome.error.details?.issues ?? [])
}

describe('validateEnvelope', () => {
  const contracts = createContracts(registry)

  test('accepts a valid envelope from an object, a string and bytes', () => {
    assert.deepEqual(contracts.validateEnvelope(valid), { ok: true, value: valid })
    assert.equal(contracts.validateEnvelope(JSON.stringify(valid)).ok, true)
    assert.equal(contracts.validateEnvelope(Buffer.from(JSON.stringify(valid))).ok, true)
  })

  test('unknown type names the closest known type and the alias target', () => {
    const [typo] = issuesOf(contracts.validateEnvelope({ ...valid, type: 'chat.querry' }))
    assert.equal(typo?.path, '/type')
    assert.match(typo!.message, /did you mean chat\.query/)
    const [alias] = issuesOf(contracts.validateEnvelope({ ...valid, type: 'chat.ask' }))
    assert.match(alias!.message, /did you mean chat\.query/)
  })

  test('unknown version lists the known ones', () => {
    const [issue] = issuesOf(contracts.validateEnvelope({ ...valid, version: 7 }))
    assert.equal(issue?.path, '/version')
    assert.equal(issue?.expected, 'one of 1, 2')
  })

  test('wrong payload, missing and extra fields give JSON pointers, expected and got', () => {
    const wrongType = issuesOf(contracts.validateEnvelope({ ...valid, payload: { text: 5 } }))
    assert.deepEqual(wrongType[0], {
      path: '/payload/text',
      expected: 'string',
      got: 'number 5',
      message: '/payload/text: expected string, got number 5',
    })
    const missing = issuesOf(contracts.validateEnvelope({ ...valid, payload: {} }))
    assert.equal(missing[0]?.path, '/payload/text')
    assert.equal(missing[0]?.got, 'nothing')
    const { traceId: _dropped, ...withoutTrace } = valid
    assert.equal(issuesOf(contracts.validateEnvelope(withoutTrace))[0]?.path, '/traceId')
    const extra = issuesOf(contracts.validateEnvelope({ ...valid, colour: 'red' }))
    assert.equal(extra[0]?.path, '/colour')
    const extraPayload = issuesOf(contracts.validateEnvelope({ ...valid, payload: { text: 'a', mood: 1 } }))
    assert.equal(extraPayload[0]?.path, '/payload/mood')
  })

  test('timestamps must be RFC 3339 date-times', () => {
    for (const ts of ['yesterday', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-23 10:00:00']) {
      const [issue] = issuesOf(contracts.validateEnvelope({ ...valid, ts }))
      assert.equal(issue?.path, '/ts', ts)
      assert.match(issue!.expected, /RFC 3339/)
    }
  })

  test('oversized and deeply nested input is refused with E_RESOURCE_LIMIT before any schema work', () => {
    const small = createContracts(registry, { maxEnvelopeBytes: 1000, maxDepth: 10 })
    const huge = { ...valid, meta: { blob: 'x'.repeat(5000) } }
    const bySize = small.validateEnvelope(huge)
    assert.equal(bySize.ok ? '' : bySize.error.code, 'E_RESOURCE_LIMIT')
    const asText = small.validateEnvelope(JSON.stringify(huge))
    assert.equal(asText.ok ? '' : asText.error.code, 'E_RESOURCE_LIMIT')
    let deep: Record<string, unknown> = {}
    const root = deep
    for (let level = 0; level < 50; level++) {
      deep.next = {}
      deep = deep.next as Record<string, unknown>
    }
    const byDepth = small.validateEnvelope({ ...valid, meta: root })
    assert.equal(byDepth.ok ? '' : byDepth.error.code, 'E_RESOURCE_LIMIT')
  })

  test('malformed JSON, binary garbage and non-objects are clear errors', () => {
    for (const input of [
      '{"id":',
      '\u0000\u00ff\u0001',
      Buffer.from([0xff, 0xfe, 0x00, 0x81]),
      '[1,2]',
      'null',
      42,
    ]) {
      const outcome = contracts.validateEnvelope(input)
      assert.equal(outcome.ok, false)
      assert.ok(!outcome.ok && ['E_BAD_REQUEST', 'E_VALIDATION'].includes(outcome.error.code))
    }
    const nested = '['.repeat(100000) + ']'.repeat(100000)
    const outcome = contracts.validateEnvelope(nested)
    assert.equal(outcome.ok, false)
  })

  test('prototype-pollution keys are plain data, never applied', () => {
    const hostile = JSON.parse(
      `{"id":"${valid.id}","type":"chat.query","version":1,"ts":"${valid.ts}","source":"x","severity":"info","traceId":"t","tenant":"d","payload":{"text":"a","__proto__":{"polluted":true}},"meta":{"constructor":{"prototype":{"polluted":true}}}}`,
    )
    const outcome = contracts.validateEnvelope(hostile)
    assert.equal(outcome.ok, false)
    assert.equal(issuesOf(outcome)[0]?.path, '/payload/__proto__')
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  test('entry() finds a version or the latest', () => {
    assert.equal(contracts.entry('chat.query')?.version, 2)
    assert.equal(contracts.entry('chat.query', 1)?.version, 1)
    assert.equal(contracts.entry('nope.nope'), undefined)
  })

  test('options are validated and frozen', () => {
    assert.throws(() => createContracts(registry, { maxEnvelopeBytes: -1 }), /positive/)
    assert.ok(Object.isFrozen(contracts.options))
  })
})

describe('payload schemas compiled on first use', () => {
  test('a broken schema of one type fails that type clearly and leaves the others working', () => {
    const [first, second] = registry.entries
    const broken: RegistryDocument = {
      ...registry,
      entries: [
        first!,
        { ...second!, schema: { type: 'object', properties: { text: { type: 'no-such-type' } } } },
      ],
    }
    const contracts = createContracts(broken)
    const good = contracts.validateEnvelope({
      id: '01890a5d-ac96-774b-bcce-b302099a8057',
      type: 'chat.query',
      version: 1,
      ts: '2026-01-01T00:00:00Z',
      source: 'test',
      severity: 'info',
      traceId: '01890a5d-ac96-774b-bcce-b302099a8057',
      tenant: 'local',
      payload: { text: 'hello' },
    })
    assert.equal(good.ok, true)
    const issues = contracts.validatePayload('chat.query', 2, { text: 'hello' })
    assert.equal(issues.length, 1)
    assert.equal(issues[0]!.path, '/type')
    assert.match(issues[0]!.message, /catalog schema of chat\.query@2 does not compile/)
    const refused = contracts.validateEnvelope({
      id: '01890a5d-ac96-774b-bcce-b302099a8057',
      type: 'chat.query',
      version: 2,
      ts: '2026-01-01T00:00:00Z',
      source: 'test',
      severity: 'info',
      traceId: '01890a5d-ac96-774b-bcce-b302099a8057',
      tenant: 'local',
      payload: { text: 'hello' },
    })
    assert.equal(refused.ok, false)
    if (!refused.ok) {
      assert.equal(refused.error.code, 'E_VALIDATION')
      assert.match(JSON.stringify(refused.error), /does not compile/)
    }
  })
})
