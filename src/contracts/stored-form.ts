// The stored (redacted) form of a catalog payload, derived from its in-flight schema by the rules
// of catalog/README.md "Redaction" (decision 0100): `drop` removes a property, `hash` replaces it by
// `<field>_sha256` + `<field>_len`, `cap` keeps it; the root may carry a `_guardrails` summary.
// Seed 003 (Denis) stores and replays payloads in this form (decision 1321).

type Schema = Record<string, unknown>

const DIGEST = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const
const LENGTH = { type: 'integer', minimum: 0 } as const
const MAX_DEPTH = 32

function isObject(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function derive(node: unknown, depth: number): unknown {
  if (!isObject(node) || depth > MAX_DEPTH) return node
  const out: Schema = { ...node }
  if (isObject(node.properties)) {
    const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : [])
    const properties: Schema = {}
    const stillRequired: string[] = []
    for (const [name, child] of Object.entries(node.properties)) {
      const action = isObject(child) ? child['x-redact'] : undefined
      if (action === 'drop') continue
      if (action === 'hash') {
        properties[`${name}_sha256`] = { ...DIGEST }
        properties[`${name}_len`] = { ...LENGTH }
        if (required.has(name)) stillRequired.push(`${name}_sha256`, `${name}_len`)
        continue
      }
      properties[name] = derive(child, depth + 1)
      if (required.has(name)) stillRequired.push(name)
    }
    out.properties = properties
    if (Array.isArray(node.required)) out.required = stillRequired
  }
  if (node.items !== undefined) out.items = derive(node.items, depth + 1)
  for (const combinator of ['oneOf', 'anyOf', 'allOf'] as const) {
    const variants = node[combinator]
    if (Array.isArray(variants)) out[combinator] = variants.map((variant) => derive(variant, depth + 1))
  }
  return out
}

/**
 * The `_guardrails` summary guardrails add to a payload they changed: JSON pointers from the
 * envelope root (decision 0004). This hub always writes the four lists; a seed 003 log imported
 * through the Denis dialect may carry fewer, so none is required and others are allowed.
 */
export const GUARDRAIL_SUMMARY_SCHEMA: Readonly<Schema> = Object.freeze({
  type: 'object',
  description: 'What guardrails changed, as JSON pointers from the envelope root (/payload/..., /meta/...).',
  properties: Object.fromEntries(
    ['dropped', 'hashed', 'capped', 'replaced'].map((list) => [
      list,
      { type: 'array', items: { type: 'string', maxLength: 4096 } },
    ]),
  ),
})

function summaryProperty(): Schema {
  return structuredClone(GUARDRAIL_SUMMARY_SCHEMA) as Schema
}

// The summary sits at the payload's root. A root that is a union of closed objects (the result
// envelopes of commands) admits it in every object variant: a property beside `oneOf` would not
// satisfy `additionalProperties: false` inside the variants.
function withSummary(node: Schema): Schema {
  for (const combinator of ['oneOf', 'anyOf'] as const) {
    const variants = node[combinator]
    if (!isObject(node.properties) && Array.isArray(variants)) {
      return {
        ...node,
        [combinator]: variants.map((variant) =>
          isObject(variant) && (variant.type === 'object' || isObject(variant.properties))
            ? withSummary(variant)
            : variant,
        ),
      }
    }
  }
  const properties = isObject(node.properties) ? node.properties : {}
  return { ...node, properties: { ...properties, _guardrails: summaryProperty() } }
}

/** The schema of the stored form of a payload whose in-flight schema is `schema`. */
export function storedFormSchema(schema: Schema): Schema {
  return withSummary(derive(schema, 0) as Schema)
}

/** Top-level fields the stored form has in place of the in-flight ones (`content_sha256`, ...). */
export function storedOnlyFields(schema: Schema): string[] {
  const inFlight = new Set(topLevelNames(schema))
  return [...new Set(topLevelNames(storedFormSchema(schema)))].filter((name) => !inFlight.has(name))
}

// Property names at the payload's root: its own and those of its object variants.
function topLevelNames(schema: Schema): string[] {
  const names = Object.keys(isObject(schema.properties) ? schema.properties : {})
  for (const combinator of ['oneOf', 'anyOf'] as const) {
    const variants = schema[combinator]
    if (!Array.isArray(variants)) continue
    for (const variant of variants)
      if (isObject(variant) && isObject(variant.properties)) names.push(...Object.keys(variant.properties))
  }
  return names
}

/** True when a payload uses any field only the stored form has: it was written by guardrails. */
export function looksStored(schema: Schema, payload: unknown): boolean {
  if (!isObject(payload)) return false
  return storedOnlyFields(schema).some((field) => Object.hasOwn(payload, field))
}
