// The project's Ajv instances, with the JSON Schema meta-schema compiled once per process
// (decision 1776); split from validator.ts by concern.
import { Ajv2020, type AnySchema, type AnySchemaObject, type Options } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { isRfc3339DateTime } from './rfc3339.ts'

// ajv-formats is published as CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020

/** The draft 2020-12 meta-schema's id: the default of every instance made here. */
export const DRAFT_2020_META_ID = 'https://json-schema.org/draft/2020-12/schema'

const AJV_OPTIONS: Options = Object.freeze({
  allErrors: true,
  strict: true,
  allowUnionTypes: true,
  keywords: ['x-redact'],
})

function configured<T extends Ajv2020>(ajv: T): T {
  addFormats(ajv)
  ajv.addFormat('date-time', { type: 'string', validate: isRfc3339DateTime })
  return ajv
}

let sharedChecker: Ajv2020 | undefined

/**
 * The process's one instance that checks schemas against the 2020-12 meta-schema. Every Ajv
 * instance compiles the meta-schema (~30–55 ms of CPU) on the first schema it validates; an
 * instance made by `createAjv` asks this one instead, so that compile happens once per process.
 * Same options and formats, so the same schemas pass and the errors read the same.
 */
function schemaChecker(): Ajv2020 {
  sharedChecker ??= configured(new Ajv2020(AJV_OPTIONS))
  return sharedChecker
}

// Schema objects already known to pass the meta-schema: the shipped catalog's, checked by
// `registry lint` and the catalog tests before they ship (decision 1776). Held weakly, by identity:
// a schema built or changed at run time (an extension, a test's broken entry) is a new object and
// is checked as always.
const checkedSchemas = new WeakSet<object>()

/** Marks the envelope and payload schemas of a registry the project built and linted itself. */
export function markCheckedSchemas(registry: {
  envelope: object
  entries: readonly { schema: unknown }[]
}): void {
  checkedSchemas.add(registry.envelope)
  for (const entry of registry.entries) {
    if (entry.schema !== null && typeof entry.schema === 'object') checkedSchemas.add(entry.schema)
  }
}

/**
 * `derived` made by project code from `original` without adding anything the meta-schema could
 * refuse (its `$id` removed, a property narrowed to `{ type: 'string' }`): checked when the
 * original is. Returns `derived`.
 */
export function derivedSchema<T extends object>(original: object, derived: T): T {
  if (checkedSchemas.has(original)) checkedSchemas.add(derived)
  return derived
}

/**
 * An Ajv2020 whose schema check (run by `compile` and `addSchema` on every schema, the project's
 * own and foreign ones alike) goes to the shared checker. A schema naming another meta-schema is
 * checked by this instance itself, as Ajv always did.
 */
class SharedMetaAjv extends Ajv2020 {
  override validateSchema(schema: AnySchema, throwOrLogError?: boolean): boolean | Promise<unknown> {
    if (typeof schema === 'boolean') return true
    if (checkedSchemas.has(schema)) {
      this.errors = null
      return true
    }
    const declared = (schema as AnySchemaObject).$schema
    if (declared !== undefined && declared !== DRAFT_2020_META_ID) {
      return super.validateSchema(schema, throwOrLogError)
    }
    const checker = schemaChecker()
    const valid = checker.validateSchema(schema) as boolean
    this.errors = checker.errors
    if (!valid && throwOrLogError) {
      // Ajv's own message, word for word.
      const message = `schema is invalid: ${this.errorsText()}`
      if (this.opts.validateSchema === 'log') this.logger.error(message)
      else throw new Error(message)
    }
    return valid
  }
}

export function createAjv(): Ajv2020 {
  return configured(new SharedMetaAjv(AJV_OPTIONS))
}
