// createAjv checks schemas against the meta-schema through one checker per process (decision
// 1776): every schema is still checked, errors read as a plain Ajv's, and only the first instance
// of a process pays for compiling the meta-schema; the shipped catalog's schemas are taken as checked.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { createAjv, DRAFT_2020_META_ID, derivedSchema, markCheckedSchemas } from './ajv-factory.ts'

const BROKEN_SCHEMAS: object[] = [
  { type: 'no-such-json-type' },
  { type: 'object', properties: { name: { type: 'no-such-json-type' } } },
  { type: 'string', minLength: -1 },
  { type: 'array', items: { maxItems: 'three' } },
  { $schema: DRAFT_2020_META_ID, type: 'object', required: 'name' },
  { type: 'string', pattern: 7 },
]

function plainAjvMessage(schema: object): string {
  const plain = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, keywords: ['x-redact'] })
  try {
    plain.compile(structuredClone(schema))
  } catch (cause) {
    return (cause as Error).message
  }
  return 'compiled'
}

test('a schema the meta-schema refuses is refused by every instance, with the plain Ajv message', () => {
  for (let round = 0; round < 3; round++) {
    for (const schema of BROKEN_SCHEMAS) {
      const expected = plainAjvMessage(schema)
      assert.match(expected, /^schema is invalid: /)
      assert.throws(() => createAjv().compile(structuredClone(schema)), { message: expected })
      const ajv = createAjv()
      assert.equal(ajv.validateSchema(structuredClone(schema)), false)
      assert.ok((ajv.errors ?? []).length > 0, 'the errors are on the instance that was asked')
    }
  }
})

test('valid schemas compile and validate as before', () => {
  const validate = createAjv().compile({
    $schema: DRAFT_2020_META_ID,
    type: 'object',
    required: ['at'],
    properties: { at: { type: 'string', format: 'date-time' }, n: { type: 'integer', 'x-redact': 'hash' } },
  })
  assert.equal(validate({ at: '2026-01-02T03:04:05Z', n: 1 }), true)
  assert.equal(validate({ at: 'yesterday' }), false)
})

test('after the first, an instance compiles no meta-schema of its own', () => {
  createAjv().compile({ type: 'string' })
  for (let index = 0; index < 3; index++) {
    const ajv = createAjv()
    ajv.compile({ type: 'object', properties: { name: { type: 'string' } } })
    const meta = (ajv as unknown as { schemas: Record<string, { validate?: unknown }> }).schemas[
      DRAFT_2020_META_ID
    ]
    assert.ok(meta !== undefined, 'the instance knows the meta-schema')
    assert.equal(meta.validate, undefined, 'and never compiled it')
  }
})

test('a schema naming another meta-schema is checked by the instance itself, as before', () => {
  const schema = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'string' }
  assert.throws(() => createAjv().compile(structuredClone(schema)), { message: plainAjvMessage(schema) })
})

test('a schema marked as checked skips the meta-schema; copies and unmarked derivations do not', () => {
  // Deliberately broken but compilable: only the meta-schema refuses a negative minLength.
  const shipped = { type: 'string', minLength: -1 }
  const envelope = { type: 'object' }
  assert.throws(() => createAjv().compile(shipped), /schema is invalid/)
  markCheckedSchemas({ envelope, entries: [{ schema: shipped }] })
  assert.equal(createAjv().validateSchema(shipped), true, 'marked: taken as checked')
  assert.doesNotThrow(() => createAjv().compile(shipped))
  assert.throws(() => createAjv().compile({ ...shipped }), /schema is invalid/, 'a copy is checked')
  const derived = derivedSchema(shipped, { ...shipped, maxLength: 3 })
  assert.equal(createAjv().validateSchema(derived), true, 'derived from a marked schema')
  const unrelated = derivedSchema({ type: 'string' }, { type: 'string', minLength: -2 })
  assert.throws(() => createAjv().compile(unrelated), /schema is invalid/, 'derived from an unmarked one')
})
