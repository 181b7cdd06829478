import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv'
import { createAjv, type ValidationIssue } from '../contracts/index.ts'
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
}

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
  return Object.freeze({
    validate(name: SchemaName, value: unknown): ValidationIssue[] {
      const validator = validatorOf(name)
      return validator(value) ? [] : issuesFromAjv(validator.errors, value)
    },
    document: documentOf,
  })
}
