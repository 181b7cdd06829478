import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv'
import { createAjv, storedFormSchema, type ValidationIssue } from '../contracts/index.ts'
import { issuesFromAjv } from './issues.ts'

// Schema files are contract files in catalog/; dialects only read them.
const CATALOG = new URL('../../catalog/', import.meta.url)
const FILES = {
  canonical: 'envelope.schema.json',
  pinchy: 'dialects/pinchy-envelope-v1.schema.json',
  adaos: 'dialects/adaos-envelope.schema.json',
  denis: 'dialects/denis-event.schema.json',
  cloudevents: 'dialects/cloudevents-v1.schema.json',
} as const

/** Canonical fields a carrier may hold (see carrier.ts); their schemas come from the envelope's. */
export const CARRIER_FIELDS = [
  'id',
  'version',
  'source',
  'severity',
  'causationId',
  'sessionId',
  'seq',
  'sessionSeq',
  'meta',
] as const

export type SchemaName = keyof typeof FILES | 'carrier' | 'uriReference'

export interface SchemaSet {
  /** Issues of `value` against the named schema; empty when valid. Compiles on first use. */
  validate(name: SchemaName, value: unknown): ValidationIssue[]
  /** The parsed schema document (read-only). */
  document(name: keyof typeof FILES): Readonly<Record<string, unknown>>
  /** The catalog's in-flight payload schema of type@version (catalog/dist/registry.json); undefined when unknown. */
  payloadSchema(type: string, version: number): Readonly<Record<string, unknown>> | undefined
  /** Issues of `payload` against the stored (redacted) form of type@version, derived by stored-form.ts. */
  validateStoredPayload(type: string, version: number, payload: unknown): ValidationIssue[]
}

const REGISTRY_FILE = 'dist/registry.json'

function readSchema(file: string): Record<string, unknown> {
  const schema = JSON.parse(readFileSync(new URL(file, CATALOG), 'utf8')) as Record<string, unknown>
  // Each set compiles into its own Ajv; ids are dropped so two sets never clash over one $id.
  const { $id: _id, ...rest } = schema
  return rest
}

function carrierSchema(envelope: Record<string, unknown>): Record<string, unknown> {
  const properties = envelope.properties as Record<string, unknown>
  return {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      ...Object.fromEntries(CARRIER_FIELDS.map((field) => [field, properties[field]])),
      defaulted: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', minLength: 1, maxLength: 100 },
      },
    },
  }
}

export function createSchemaSet(): SchemaSet {
  const ajv = createAjv()
  const documents = new Map<string, Record<string, unknown>>()
  const validators = new Map<SchemaName, ValidateFunction>()
  const documentOf = (name: keyof typeof FILES): Record<string, unknown> => {
    let document = documents.get(name)
    if (document === undefined) {
      document = readSchema(FILES[name])
      documents.set(name, document)
    }
    return document
  }
  const validatorOf = (name: SchemaName): ValidateFunction => {
    let validator = validators.get(name)
    if (validator === undefined) {
      validator = ajv.compile(
        name === 'carrier'
          ? carrierSchema(documentOf('canonical'))
          : name === 'uriReference'
            ? { type: 'string', minLength: 1, format: 'uri-reference' }
            : documentOf(name),
      )
      validators.set(name, validator)
    }
    return validator
  }
  let payloadSchemas: Map<string, Record<string, unknown>> | undefined
  const payloadSchema = (type: string, version: number): Record<string, unknown> | undefined => {
    if (payloadSchemas === undefined) {
      const registry = JSON.parse(readFileSync(new URL(REGISTRY_FILE, CATALOG), 'utf8')) as {
        entries: { type: string; version: number; schema: Record<string, unknown> }[]
      }
      payloadSchemas = new Map(
        registry.entries.map((entry) => {
          const { $id: _id, ...schema } = entry.schema
          return [`${entry.type}@${entry.version}`, schema]
        }),
      )
    }
    return payloadSchemas.get(`${type}@${version}`)
  }
  const storedValidators = new Map<string, ValidateFunction>()
  return Object.freeze({
    payloadSchema,
    validateStoredPayload(type: string, version: number, payload: unknown): ValidationIssue[] {
      const key = `${type}@${version}`
      let validator = storedValidators.get(key)
      if (validator === undefined) {
        const schema = payloadSchema(type, version)
        if (schema === undefined) {
          return [
            { path: '/type', expected: 'a type in the catalog', got: type, message: `unknown type ${key}` },
          ]
        }
        validator = ajv.compile(storedFormSchema(schema))
        storedValidators.set(key, validator)
      }
      return validator(payload) ? [] : issuesFromAjv(validator.errors, payload)
    },
    validate(name: SchemaName, value: unknown): ValidationIssue[] {
      const validator = validatorOf(name)
      return validator(value) ? [] : issuesFromAjv(validator.errors, value)
    },
    document: documentOf,
  })
}
