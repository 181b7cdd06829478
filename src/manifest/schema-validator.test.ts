import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { createManifestValidator, defaultManifestValidator, readManifestSchema } from './schema-validator.ts'

// The hub compiles the shipped schema without checking it against its meta-schema (decision 1630):
// this test is that check.
test('the shipped manifest schema is valid against the JSON Schema 2020-12 meta-schema', () => {
  const ajv = new Ajv2020({
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    validateFormats: false,
  })
  const valid = ajv.validateSchema(readManifestSchema())
  assert.equal(valid, true, JSON.stringify(ajv.errors))
})

test('a schema that breaks the meta-schema is refused when it is checked (the default)', () => {
  const broken = { type: 'object', properties: { name: { type: 'not-a-type' } } }
  assert.throws(() => createManifestValidator(broken), /does not compile/)
  assert.ok(defaultManifestValidator().errors({}).length > 0, 'the shipped validator still validates')
})
