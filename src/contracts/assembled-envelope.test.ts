// The hand-written check of bus-assembled envelopes (decision 1751) must answer exactly as the
// Ajv envelope schema does, and a refused envelope must carry the same error data as before.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import {
  assembledEnvelopeValid,
  assembledEnvelopeWithin,
  restatesEnvelopeSchema,
} from './assembled-envelope.ts'
import { measureJson } from './measure.ts'
import { createAjv, createContracts } from './validator.ts'

const catalogSchema = JSON.parse(
  readFileSync(new URL('../../catalog/envelope.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>
const registry = testRegistry()
const handChecked = createContracts(registry)
// `$comment` changes nothing Ajv checks, but the schema no longer reads as the restated one: this
// instance checks every envelope with Ajv alone, as before decision 1751.
const ajvOnly = createContracts({ ...registry, envelope: { ...registry.envelope, $comment: 'Ajv alone' } })

// The schema variants of decision 1741, compiled by Ajv: what the hand check must agree with.
const { $id: _id, ...withoutId } = catalogSchema
const properties = withoutId.properties as Record<string, unknown>
const ajv = createAjv()
const madeShape = {
  full: ajv.compile(withoutId),
  'id-and-ts': ajv.compile({
    ...withoutId,
    properties: { ...properties, id: { type: 'string' }, ts: { type: 'string' } },
  }),
  'id-ts-and-trace': ajv.compile({
    ...withoutId,
    properties: {
      ...properties,
      id: { type: 'string' },
      ts: { type: 'string' },
      traceId: { type: 'string' },
    },
  }),
}

const base = {
  id: '0193a4b2-7c3d-7000-8abc-0123456789ab',
  type: 'note.added',
  version: 1,
  ts: '2026-12-06T01:00:00.000Z',
  source: 'kernel',
  severity: 'info',
  traceId: '0193a4b2-7c3d-7000-8abc-0123456789ab',
  tenant: 'default',
  payload: { n: 1 },
} as Record<string, unknown>

const pair = '\u{1F600}'
const STRINGS = [
  'x',
  '',
  'kernel',
  'a'.repeat(200),
  'a'.repeat(201),
  'a'.repeat(500),
  'a'.repeat(501),
  pair.repeat(150), // 300 units, 150 code points
  pair.repeat(201),
  pair.repeat(300), // 600 units, 300 code points
  `${'a'.repeat(199)}\ud800`, // a lone surrogate counts as one
  'not-a-uuid',
  'yesterday',
]
// Candidates for the fields only the full check reads closely (decision 1780): ids near the UUID
// pattern and timestamps near RFC 3339.
const IDS = [
  '0193a4b2-7c3d-7000-8abc-0123456789ab',
  '0193A4B2-7C3D-7000-8ABC-0123456789AB',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '0193a4b2-7c3d-7000-8abc-0123456789a',
  '0193a4b2-7c3d-7000-8abc-0123456789abc',
  '0193a4b2-7c3d-7000-8abc-0123456789ag',
  '0193a4b2_7c3d-7000-8abc-0123456789ab',
  '0193a4b27c3d-7000-8abc-0123456789ab-',
  '0193a4b2-7c3d-7000-8abc-0123456789a\u0661',
  '0193a4b2-7c3d-7000-8abc-0123456789ab\n',
  ' 0193a4b2-7c3d-7000-8abc-0123456789a',
  '{0193a4b2-7c3d-7000-8abc-0123456789}',
]
const TIMESTAMPS = [
  '2026-12-06T01:00:00.000Z',
  '2026-12-06t01:00:00z',
  '2026-12-06 01:00:00+01:00',
  '2024-02-29T23:59:59.123456789-00:30',
  '2023-02-29T00:00:00Z',
  '2026-12-31T23:59:60Z',
  '2026-12-31T22:59:60Z',
  '2026-13-06T01:00:00Z',
  '2026-12-06T24:00:00Z',
  '2026-12-06T01:00:00',
  '2026-12-06T01:00:00.Z',
  '2026-12-06',
  '2026-12-06T01:00:00Z ',
  '２026-12-06T01:00:00Z',
]
const OTHERS = [
  undefined,
  null,
  0,
  1,
  2,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  {},
  [],
  { n: 1 },
  '1',
]
const TYPES = [
  'note.added',
  'a.b',
  'ab',
  'a.',
  '.a',
  'a..b',
  'A.b',
  'a.B',
  'a_b.c9_',
  '_a.b',
  'a.9b',
  'a.b.c.d',
  'a-b.c',
  'a.b ',
  `a.${'b'.repeat(197)}`,
  `a.${'b'.repeat(198)}`,
  'é.b',
]
const VALUES: Record<string, unknown[]> = {
  id: [...IDS, ...IDS, ...STRINGS, ...OTHERS],
  ts: [...TIMESTAMPS, ...TIMESTAMPS, ...STRINGS, ...OTHERS],
  traceId: [...IDS, ...STRINGS, ...OTHERS],
  type: [...TYPES, ...OTHERS],
  severity: ['debug', 'info', 'warn', 'error', 'loud', 'Info', ...OTHERS],
  version: OTHERS,
  seq: OTHERS,
  sessionSeq: OTHERS,
  payload: OTHERS,
  meta: OTHERS,
}
const FIELDS = [
  'id',
  'type',
  'version',
  'ts',
  'source',
  'severity',
  'traceId',
  'causationId',
  'sessionId',
  'tenant',
  'idempotencyKey',
  'seq',
  'sessionSeq',
  'payload',
  'meta',
  'extra',
  '__proto__',
]

// A small seeded generator, so a failure names a reproducible case.
function generator(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x80000000
  }
}

function mutated(random: () => number): Record<string, unknown> {
  const envelope: Record<string, unknown> = { ...base }
  const changes = 1 + Math.floor(random() * 3)
  for (let change = 0; change < changes; change++) {
    const field = FIELDS[Math.floor(random() * FIELDS.length)]!
    if (random() < 0.15) {
      delete envelope[field]
      continue
    }
    const pool = VALUES[field] ?? [...STRINGS, ...OTHERS]
    const value = pool[Math.floor(random() * pool.length)]
    Object.defineProperty(envelope, field, { value, enumerable: true, writable: true, configurable: true })
  }
  return envelope
}

test('the catalog envelope schema is the one the hand-written check restates', () => {
  assert.equal(restatesEnvelopeSchema(catalogSchema), true)
  assert.equal(restatesEnvelopeSchema(registry.envelope), true)
  const properties = catalogSchema.properties as Record<string, Record<string, unknown>>
  const changed = {
    ...catalogSchema,
    properties: { ...properties, source: { ...properties.source, maxLength: 400 } },
  }
  assert.equal(restatesEnvelopeSchema(changed), false)
  assert.equal(restatesEnvelopeSchema({ ...catalogSchema, $comment: 'x' }), false)
})

test('hand check and Ajv agree on 20,000 fuzzed envelopes, valid and not, in every mode', () => {
  const random = generator(1751)
  let valid = 0
  let invalid = 0
  for (let round = 0; round < 20_000; round++) {
    const envelope = mutated(random)
    for (const mode of ['full', 'id-and-ts', 'id-ts-and-trace'] as const) {
      const made = mode === 'full' ? undefined : mode
      const expected = ajvOnly.validateEnvelope(envelope, made)
      const hand = assembledEnvelopeValid(envelope, made)
      const actual = handChecked.validateEnvelope(envelope, made)
      assert.equal(
        hand,
        madeShape[mode](envelope),
        `hand check disagrees with Ajv (${mode}) on ${JSON.stringify(envelope)}`,
      )
      // The same outcome and, when refused, the same error data.
      assert.deepEqual(actual, expected, `outcome differs (${mode}) on ${JSON.stringify(envelope)}`)
      if (expected.ok) valid++
      else invalid++
    }
  }
  assert.ok(valid > 2_000 && invalid > 2_000, `fuzzing covers both (${valid} valid, ${invalid} invalid)`)
})

test('a bad producer-supplied field is refused with the same error data as Ajv gives', () => {
  const bad = [
    { source: '' },
    { source: 'a'.repeat(501) },
    { tenant: 'a'.repeat(201) },
    { sessionId: '' },
    { causationId: 7 },
    { idempotencyKey: '' },
    { severity: 'loud' },
    { type: 'Note.Added' },
    { version: 0 },
    { traceId: '' },
    { payload: [] },
    { meta: 'x' },
    { extra: 1 },
  ]
  for (const fields of bad) {
    const envelope = { ...base, ...fields }
    const actual = handChecked.validateEnvelope(envelope, 'id-and-ts')
    assert.equal(actual.ok, false, JSON.stringify(fields))
    assert.deepEqual(actual, ajvOnly.validateEnvelope(envelope, 'id-and-ts'))
  }
})

test('an envelope inheriting an unknown enumerable key is refused, as additionalProperties does', () => {
  const inherited = Object.assign(Object.create({ extra: 1 }), base) as Record<string, unknown>
  assert.equal(assembledEnvelopeValid(inherited, 'id-and-ts'), false)
  assert.equal(handChecked.validateEnvelope(inherited, 'id-and-ts').ok, false)
})

/** A nested payload of random depth and size, so tight limits are passed on both counts. */
function nested(random: () => number, depth: number): unknown {
  const kind = random()
  if (depth <= 0 || kind < 0.3) return 'x'.repeat(Math.floor(random() * 120))
  if (kind < 0.45) return Math.floor(random() * 100)
  if (kind < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => nested(random, depth - 1))
  const result: Record<string, unknown> = {}
  const keys = Math.floor(random() * 4)
  for (let key = 0; key < keys; key++) result[`k${key}`] = nested(random, depth - 1)
  return result
}

test('the one-pass check measures as measureJson does: same outcomes as Ajv alone under tight limits', () => {
  const random = generator(1763)
  const limits = [
    { maxEnvelopeBytes: 200, maxDepth: 64 },
    { maxEnvelopeBytes: 320, maxDepth: 3 },
    { maxEnvelopeBytes: 600, maxDepth: 2 },
    { maxEnvelopeBytes: 1_000, maxDepth: 4 },
    { maxEnvelopeBytes: 100_000, maxDepth: 1 },
  ]
  const pairs = limits.map((options) => ({
    options,
    hand: createContracts(registry, options),
    ajv: createContracts({ ...registry, envelope: { ...registry.envelope, $comment: 'Ajv alone' } }, options),
  }))
  let within = 0
  let beyond = 0
  for (let round = 0; round < 6_000; round++) {
    const envelope = mutated(random)
    if (random() < 0.6) envelope.payload = { n: 1, body: nested(random, 6) }
    if (random() < 0.2) envelope.meta = { note: nested(random, 4) }
    for (const { options, hand, ajv } of pairs) {
      const pick = random()
      const mode = pick < 0.33 ? undefined : pick < 0.66 ? 'id-and-ts' : 'id-ts-and-trace'
      const measured = measureJson(envelope, options.maxEnvelopeBytes, options.maxDepth)
      const expected = assembledEnvelopeValid(envelope, mode) && measured.exceeded === undefined
      const actual = assembledEnvelopeWithin(envelope, mode, options.maxEnvelopeBytes, options.maxDepth)
      assert.equal(actual, expected, `${JSON.stringify(options)} ${mode} ${JSON.stringify(envelope)}`)
      assert.deepEqual(hand.validateEnvelope(envelope, mode), ajv.validateEnvelope(envelope, mode))
      if (assembledEnvelopeValid(envelope, mode)) {
        if (measured.exceeded === undefined) within++
        else beyond++
      }
    }
  }
  assert.ok(within > 1_000 && beyond > 1_000, `valid envelopes within ${within}, beyond a limit ${beyond}`)
})
