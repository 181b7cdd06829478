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

/** The schema of the stored form of a payload whose in-flight schema is `schema`. */
export function storedFormSchema(schema: Schema): Schema {
  const derived = derive(schema, 0) as Schema
  const properties = isObject(derived.properties) ? derived.properties : {}
  return { ...derived, properties: { ...properties, _guardrails: { type: 'object' } } }
}

/** Top-level fields the stored form has in place of the in-flight ones (`content_sha256`, ...). */
export function storedOnlyFields(schema: Schema): string[] {
  const inFlight = new Set(Object.keys(isObject(schema.properties) ? schema.properties : {}))
  const stored = storedFormSchema(schema).properties as Schema
  return Object.keys(stored).filter((name) => !inFlight.has(name))
}

/** True when a payload uses any field only the stored form has: it was written by guardrails. */
export function looksStored(schema: Schema, payload: unknown): boolean {
  if (!isObject(payload)) return false
  return storedOnlyFields(schema).some((field) => Object.hasOwn(payload, field))
}
