import { HubError } from './hub-error.ts'

export type RedactAction = { kind: 'drop' } | { kind: 'hash' } | { kind: 'cap'; limit: number }

/** A declared `x-redact` at a path of property names, where '*' stands for every array item. */
export interface RedactionRule {
  path: string[]
  action: RedactAction
}

export function parseRedactAction(value: unknown, where: string): RedactAction {
  if (value === 'drop') return { kind: 'drop' }
  if (value === 'hash') return { kind: 'hash' }
  if (typeof value === 'string' && /^cap:\d+$/.test(value)) {
    const limit = Number(value.slice(4))
    if (limit > 0) return { kind: 'cap', limit }
  }
  throw new HubError(
    'E_VALIDATION',
    `${where}: x-redact must be drop, hash or cap:<n> (n > 0), got ${JSON.stringify(value)}`,
  )
}

/** Collects every x-redact annotation of a payload schema (properties, nested objects, array items). */
export function collectRedactionRules(schema: unknown, where = 'schema'): RedactionRule[] {
  const rules: RedactionRule[] = []
  visit(schema, [], rules, where, 0)
  return rules
}

const MAX_SCHEMA_DEPTH = 32

function visit(schema: unknown, path: string[], rules: RedactionRule[], where: string, depth: number): void {
  if (schema === null || typeof schema !== 'object' || depth > MAX_SCHEMA_DEPTH) return
  const node = schema as Record<string, unknown>
  if (path.length > 0 && node['x-redact'] !== undefined) {
    rules.push({ path, action: parseRedactAction(node['x-redact'], `${where} at ${path.join('.')}`) })
    return
  }
  const properties = node.properties
  if (properties !== null && typeof properties === 'object') {
    for (const [name, child] of Object.entries(properties as Record<string, unknown>)) {
      visit(child, [...path, name], rules, where, depth + 1)
    }
  }
  if (node.items !== undefined) visit(node.items, [...path, '*'], rules, where, depth + 1)
  for (const combinator of ['oneOf', 'anyOf', 'allOf'] as const) {
    const variants = node[combinator]
    if (Array.isArray(variants)) for (const variant of variants) visit(variant, path, rules, where, depth + 1)
  }
}
