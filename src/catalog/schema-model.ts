// A language-neutral model of a payload schema: the generators (TypeScript, Python, docs) render
// this instead of each interpreting JSON Schema on its own.

export type Primitive = 'string' | 'number' | 'integer' | 'boolean' | 'null'
export type LiteralValue = string | number | boolean | null

/** Validation keywords worth carrying into generated code and docs. */
export interface Constraints {
  minLength?: number
  maxLength?: number
  pattern?: string
  format?: string
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  multipleOf?: number
  minItems?: number
  maxItems?: number
}

export type TypeNode =
  | { kind: 'any' }
  | { kind: 'never' }
  | { kind: 'primitive'; type: Primitive; constraints: Constraints }
  | { kind: 'literal'; values: LiteralValue[] }
  | { kind: 'array'; items: TypeNode; constraints: Constraints }
  | { kind: 'map'; values: TypeNode }
  | { kind: 'ref'; name: string }
  | { kind: 'union'; variants: TypeNode[] }

export interface PropertyModel {
  name: string
  required: boolean
  type: TypeNode
  description?: string
  redact?: string
  default?: unknown
}

/** A named object type, or a named alias when a payload's root is not a plain object. */
export type NamedModel =
  | {
      shape: 'object'
      name: string
      description?: string
      properties: PropertyModel[]
      /** 'forbid' for additionalProperties false; 'any' when absent or true; else the value type. */
      additional: 'forbid' | 'any' | TypeNode
      /** JSON pointer of the schema node inside its payload schema. */
      pointer: string
    }
  | { shape: 'alias'; name: string; description?: string; type: TypeNode; pointer: string }

export interface SchemaModel {
  rootName: string
  /** Children before parents, so languages without forward references can emit them in order. */
  models: NamedModel[]
}

export const ANY: TypeNode = Object.freeze({ kind: 'any' })

const CONSTRAINT_KEYS = [
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
] as const

export function constraintsOf(node: Record<string, unknown>): Constraints {
  const constraints: Record<string, unknown> = {}
  for (const key of CONSTRAINT_KEYS) {
    const value = node[key]
    if (key === 'pattern' || key === 'format') {
      if (typeof value === 'string') constraints[key] = value
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      constraints[key] = value
    }
  }
  return constraints as Constraints
}

/** Makes a union, flattening nested unions and dropping duplicates; one variant is itself. */
export function unionOf(variants: TypeNode[]): TypeNode {
  const flat: TypeNode[] = []
  const seen = new Set<string>()
  for (const variant of variants) {
    for (const part of variant.kind === 'union' ? variant.variants : [variant]) {
      const key = JSON.stringify(part)
      if (seen.has(key)) continue
      seen.add(key)
      flat.push(part)
    }
  }
  if (flat.some((part) => part.kind === 'any')) return ANY
  if (flat.length === 0) return { kind: 'never' }
  return flat.length === 1 ? flat[0]! : { kind: 'union', variants: flat }
}

export function isNullable(type: TypeNode): boolean {
  if (type.kind === 'primitive') return type.type === 'null'
  if (type.kind === 'literal') return type.values.includes(null)
  if (type.kind === 'union') return type.variants.some(isNullable)
  return type.kind === 'any'
}
