import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { HubError } from '../contracts/index.ts'

/** The manifest schema shipped with this package. */
export const DEFAULT_MANIFEST_SCHEMA_PATH = fileURLToPath(
  new URL('../../catalog/hub-manifest.schema.json', import.meta.url),
)

// ajv-formats is CommonJS with a default export; under NodeNext it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020

export interface ManifestSchemaValidator {
  readonly schema: Readonly<Record<string, unknown>>
  /** Ajv's raw errors for `value` (empty when valid); verbose, so each carries its parentSchema. */
  errors(value: unknown): ErrorObject[]
  /** Schema patterns the semantic checks reuse, so they agree with the schema on what a name is. */
  readonly patterns: Readonly<{ typeName: RegExp; typePattern: RegExp }>
}

function definitionPattern(schema: Record<string, unknown>, name: string): RegExp {
  const definitions = schema.$defs as Record<string, { pattern?: unknown }> | undefined
  const pattern = definitions?.[name]?.pattern
  if (typeof pattern !== 'string') {
    throw new HubError('E_VALIDATION', `hub manifest schema has no $defs/${name}/pattern`)
  }
  return new RegExp(pattern, 'u')
}

/**
 * Compiles the schema once; validation afterwards does no compilation. `checkSchema: false` skips
 * validating the schema against its meta-schema (compiling the meta-schema was a noticeable part
 * of every hub start, decision 1630): only for the shipped schema, which
 * schema-validator.test.ts checks against the meta-schema instead.
 */
export function createManifestValidator(
  schema: Record<string, unknown>,
  options: { checkSchema?: boolean } = {},
): ManifestSchemaValidator {
  // strictRequired is off because if/then branches name properties defined beside them.
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    verbose: true,
    validateSchema: options.checkSchema ?? true,
  })
  addFormats(ajv)
  let validate: ValidateFunction
  try {
    validate = ajv.compile(schema)
  } catch (cause) {
    throw new HubError('E_VALIDATION', `hub manifest schema does not compile: ${(cause as Error).message}`, {
      cause,
    })
  }
  return Object.freeze({
    schema: Object.freeze(schema),
    errors(value: unknown): ErrorObject[] {
      return validate(value) ? [] : [...(validate.errors ?? [])]
    },
    patterns: Object.freeze({
      typeName: definitionPattern(schema, 'TypeName'),
      typePattern: definitionPattern(schema, 'TypePattern'),
    }),
  })
}

export function readManifestSchema(path: string = DEFAULT_MANIFEST_SCHEMA_PATH): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new HubError('E_IO', `cannot read the hub manifest schema ${path}`, { cause })
  }
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch (cause) {
    throw new HubError('E_VALIDATION', `${path} is not valid JSON`, { cause })
  }
}

let shipped: ManifestSchemaValidator | undefined

/**
 * The validator for the shipped schema, compiled on first use and kept: the schema is a constant
 * file of this package, so this cache holds no state that callers could disagree about.
 */
export function defaultManifestValidator(): ManifestSchemaValidator {
  shipped ??= createManifestValidator(readManifestSchema(), { checkSchema: false })
  return shipped
}
