// AsyncAPI 3.0's Schema Object is a superset of JSON Schema draft-07, and the official parser has
// no 2020-12 schema format. So payload schemas are rewritten into draft-07 form, and their local
// $defs become component schemas (a $ref inside the AsyncAPI document resolves from its root).

type SchemaNode = Record<string, unknown>

const DROPPED = new Set([
  '$schema',
  '$id',
  '$defs',
  'definitions',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  '$vocabulary',
  'unevaluatedProperties',
  'unevaluatedItems',
  'minContains',
  'maxContains',
  'contentSchema',
])
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas'])
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf'])
const SCHEMA_VALUES = new Set([
  'additionalProperties',
  'items',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
])

export const MAX_CONVERTED_DEPTH = 64

function isRecord(value: unknown): value is SchemaNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** `#/components/schemas/<name>` for a local ref, given how the payload's defs were named. */
export type RefTarget = (ref: string) => string | undefined

export function toAsyncApiSchema(schema: unknown, target: RefTarget, depth = 0): unknown {
  if (!isRecord(schema)) return typeof schema === 'boolean' ? schema : {}
  if (depth > MAX_CONVERTED_DEPTH) return {}
  if (typeof schema.$ref === 'string') {
    const component = target(schema.$ref)
    return component === undefined ? {} : { $ref: component }
  }
  const out: SchemaNode = {}
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key)) continue
    if (SCHEMA_MAPS.has(key) && isRecord(value)) {
      const converted: SchemaNode = {}
      for (const [name, child] of Object.entries(value))
        converted[name] = toAsyncApiSchema(child, target, depth + 1)
      out[key === 'dependentSchemas' ? 'dependencies' : key] = converted
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map((child) => toAsyncApiSchema(child, target, depth + 1))
    } else if (SCHEMA_VALUES.has(key)) {
      out[key === 'items' && Array.isArray(schema.prefixItems) ? 'additionalItems' : key] = toAsyncApiSchema(
        value,
        target,
        depth + 1,
      )
    } else if (key === 'prefixItems' && Array.isArray(value)) {
      out.items = value.map((child) => toAsyncApiSchema(child, target, depth + 1))
    } else if (key === 'dependentRequired' && isRecord(value)) {
      out.dependencies = { ...(isRecord(out.dependencies) ? out.dependencies : {}), ...value }
    } else {
      out[key] = value
    }
  }
  return out
}

/** The local $defs (or definitions) of a payload schema: name and JSON pointer. */
export function localDefinitions(schema: unknown): { name: string; ref: string; node: unknown }[] {
  if (!isRecord(schema)) return []
  const found: { name: string; ref: string; node: unknown }[] = []
  for (const keyword of ['$defs', 'definitions']) {
    const defs = schema[keyword]
    if (!isRecord(defs)) continue
    for (const [name, node] of Object.entries(defs)) {
      found.push({ name, ref: `#/${keyword}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`, node })
    }
  }
  return found
}
