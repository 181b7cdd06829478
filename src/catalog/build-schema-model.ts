import {
  ANY,
  constraintsOf,
  type LiteralValue,
  type NamedModel,
  type Primitive,
  type PropertyModel,
  type SchemaModel,
  type TypeNode,
  unionOf,
} from './schema-model.ts'
import { type NameAllocator, pascalCase } from './type-names.ts'

/**
 * Names an object node by a model generated elsewhere (its JSON pointer in this schema given), or
 * undefined to generate one: the stored form reuses the in-flight models of unchanged objects.
 */
export type ReuseModel = (node: Record<string, unknown>, pointer: string) => string | undefined

/** Deeper than this a schema is rendered as `any`: generated code stays finite on hostile input. */
export const MAX_SCHEMA_MODEL_DEPTH = 32

type SchemaNode = Record<string, unknown>

const NULL: TypeNode = Object.freeze({ kind: 'primitive', type: 'null', constraints: {} })
const PRIMITIVES = new Set<string>(['string', 'number', 'integer', 'boolean', 'null'])

function isRecord(value: unknown): value is SchemaNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isLiteral(value: unknown): value is LiteralValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value)
}

function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1')
}

function looksLikeObject(node: SchemaNode): boolean {
  const type = node.type
  if (type === 'object') return true
  if (type !== undefined) return false
  return isRecord(node.properties) || Array.isArray(node.required) || node.additionalProperties !== undefined
}

/**
 * Converts one payload schema into named models. `rootName` is the payload type's name and
 * `baseName` prefixes the names of nested objects and $defs (`ChatPrompt` + `Message`).
 * Nested objects get `<parent><Property>`, array items `<parent><Property>Item`, union
 * variants `<parent><Property>Variant<n>`.
 */
export function buildSchemaModel(
  schema: unknown,
  rootName: string,
  baseName: string,
  names: NameAllocator,
  reuse?: ReuseModel,
): SchemaModel {
  const root = isRecord(schema) ? schema : {}
  const models: NamedModel[] = []
  const namedByPointer = new Map<string, string>()
  const inProgress = new Set<string>()

  function resolveRef(ref: string): { node: SchemaNode; pointer: string } | undefined {
    if (ref === '#') return { node: root, pointer: '' }
    const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref)
    if (match === null) return undefined
    const defs = root[match[1]!]
    const name = match[2]!.replaceAll('~1', '/').replaceAll('~0', '~')
    if (!isRecord(defs) || !isRecord(defs[name])) return undefined
    return { node: defs[name] as SchemaNode, pointer: `/${match[1]}/${escapeToken(name)}` }
  }

  function defName(pointer: string): string {
    if (pointer === '') return rootName
    const token = pointer.split('/').pop() ?? ''
    return `${baseName}${pascalCase(token.replaceAll('~1', '/').replaceAll('~0', '~'))}`
  }

  function convertRef(ref: string, depth: number): TypeNode {
    const target = resolveRef(ref)
    if (target === undefined) return ANY
    const known = namedByPointer.get(target.pointer)
    if (known !== undefined) return { kind: 'ref', name: known }
    if (looksLikeObject(target.node) || target.pointer === '') {
      return { kind: 'ref', name: namedObject(target.node, target.pointer, defName(target.pointer), depth) }
    }
    if (inProgress.has(target.pointer)) return ANY
    inProgress.add(target.pointer)
    const type = convert(target.node, target.pointer, defName(target.pointer), depth + 1)
    inProgress.delete(target.pointer)
    return type
  }

  function namedObject(node: SchemaNode, pointer: string, wanted: string, depth: number): string {
    const known = namedByPointer.get(pointer)
    if (known !== undefined) return known
    const existing = pointer === '' ? undefined : reuse?.(node, pointer)
    if (existing !== undefined) {
      namedByPointer.set(pointer, existing)
      return existing
    }
    const name = pointer === '' ? rootName : names.allocate(wanted)
    namedByPointer.set(pointer, name)
    const description = typeof node.description === 'string' ? node.description : undefined
    const merged = mergeAllOf(node)
    const properties: PropertyModel[] = []
    const prefix = pointer === '' ? baseName : name
    const required = new Set(
      Array.isArray(merged.required) ? merged.required.filter((k) => typeof k === 'string') : [],
    )
    for (const [key, child] of Object.entries(merged.properties)) {
      const property: PropertyModel = {
        name: key,
        required: required.has(key),
        type: convert(child, merged.pointerOf(key), `${prefix}${pascalCase(key)}`, depth + 1),
      }
      if (isRecord(child)) {
        if (typeof child.description === 'string') property.description = child.description
        if (typeof child['x-redact'] === 'string') property.redact = child['x-redact']
        if (child.default !== undefined) property.default = child.default
      }
      properties.push(property)
    }
    const extra = merged.additionalProperties
    const additional =
      extra === false
        ? 'forbid'
        : isRecord(extra) && Object.keys(extra).length > 0
          ? convert(extra, `${pointer}/additionalProperties`, `${prefix}Value`, depth + 1)
          : 'any'
    models.push({
      shape: 'object',
      name,
      ...(description ? { description } : {}),
      properties,
      additional,
      pointer,
    })
    return name

    function mergeAllOf(objectNode: SchemaNode) {
      const propertiesOut: Record<string, unknown> = {}
      const pointers = new Map<string, string>()
      const requiredOut: unknown[] = []
      let additionalOut: unknown = objectNode.additionalProperties
      const parts: { node: SchemaNode; at: string }[] = []
      if (Array.isArray(objectNode.allOf)) {
        objectNode.allOf.forEach((part, index) => {
          if (!isRecord(part)) return
          const resolved = typeof part.$ref === 'string' ? resolveRef(part.$ref) : undefined
          parts.push(
            resolved
              ? { node: resolved.node, at: resolved.pointer }
              : { node: part, at: `${pointer}/allOf/${index}` },
          )
        })
      }
      parts.push({ node: objectNode, at: pointer })
      for (const part of parts) {
        if (isRecord(part.node.properties)) {
          for (const [key, child] of Object.entries(part.node.properties)) {
            propertiesOut[key] = child
            pointers.set(key, `${part.at}/properties/${escapeToken(key)}`)
          }
        }
        if (Array.isArray(part.node.required)) requiredOut.push(...part.node.required)
        if (part.node.additionalProperties !== undefined) additionalOut = part.node.additionalProperties
      }
      return {
        properties: propertiesOut as Record<string, unknown>,
        required: requiredOut,
        additionalProperties: additionalOut,
        pointerOf: (key: string) => pointers.get(key) ?? '',
      }
    }
  }

  function convert(schema: unknown, pointer: string, wanted: string, depth: number): TypeNode {
    if (schema === false) return { kind: 'never' }
    if (!isRecord(schema) || depth > MAX_SCHEMA_MODEL_DEPTH) return ANY
    const node = schema
    let type: TypeNode
    if (typeof node.$ref === 'string') type = convertRef(node.$ref, depth)
    else if (node.const !== undefined)
      type = isLiteral(node.const) ? { kind: 'literal', values: [node.const] } : ANY
    else if (Array.isArray(node.enum)) {
      type = node.enum.every(isLiteral) ? { kind: 'literal', values: node.enum as LiteralValue[] } : ANY
    } else if (isRecord(node.properties) || (looksLikeObject(node) && Array.isArray(node.allOf))) {
      type = { kind: 'ref', name: namedObject(node, pointer, wanted, depth) }
      if (Array.isArray(node.type) && node.type.includes('null')) type = unionOf([type, NULL])
    } else if (Array.isArray(node.oneOf) || Array.isArray(node.anyOf)) {
      const variants = (Array.isArray(node.oneOf) ? node.oneOf : (node.anyOf as unknown[])).map(
        (variant, index) =>
          convert(
            variant,
            `${pointer}/${node.oneOf ? 'oneOf' : 'anyOf'}/${index}`,
            `${wanted}Variant${index + 1}`,
            depth + 1,
          ),
      )
      type = unionOf(variants)
    } else if (Array.isArray(node.allOf) && node.allOf.length > 0) {
      type = convert(node.allOf[0], `${pointer}/allOf/0`, wanted, depth + 1)
    } else {
      type = convertByType(node, pointer, wanted, depth)
    }
    return node.nullable === true ? unionOf([type, NULL]) : type
  }

  function convertByType(node: SchemaNode, pointer: string, wanted: string, depth: number): TypeNode {
    const declared = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type]
    const types = declared.filter((entry): entry is string => typeof entry === 'string')
    if (types.length === 0) return looksLikeObject(node) ? objectLike(node, pointer, wanted, depth) : ANY
    return unionOf(
      types.map((name): TypeNode => {
        if (name === 'array') return arrayOf(node, pointer, wanted, depth)
        if (name === 'object') return objectLike(node, pointer, wanted, depth)
        if (PRIMITIVES.has(name))
          return { kind: 'primitive', type: name as Primitive, constraints: constraintsOf(node) }
        return ANY
      }),
    )
  }

  function arrayOf(node: SchemaNode, pointer: string, wanted: string, depth: number): TypeNode {
    const itemTypes: TypeNode[] = []
    if (Array.isArray(node.prefixItems)) {
      node.prefixItems.forEach((item, index) => {
        itemTypes.push(
          convert(item, `${pointer}/prefixItems/${index}`, `${wanted}Item${index + 1}`, depth + 1),
        )
      })
    }
    if (node.items !== undefined && node.items !== false) {
      itemTypes.push(convert(node.items, `${pointer}/items`, `${wanted}Item`, depth + 1))
    }
    const { minItems, maxItems } = constraintsOf(node)
    const constraints = {
      ...(minItems === undefined ? {} : { minItems }),
      ...(maxItems === undefined ? {} : { maxItems }),
    }
    return { kind: 'array', items: itemTypes.length === 0 ? ANY : unionOf(itemTypes), constraints }
  }

  function objectLike(node: SchemaNode, pointer: string, wanted: string, depth: number): TypeNode {
    if (node.additionalProperties === false)
      return { kind: 'ref', name: namedObject(node, pointer, wanted, depth) }
    const extra = node.additionalProperties
    const values = isRecord(extra)
      ? convert(extra, `${pointer}/additionalProperties`, `${wanted}Value`, depth + 1)
      : ANY
    return { kind: 'map', values }
  }

  // The root always becomes a named model, so every type@version has a type to point at.
  const rootIsObject =
    isRecord(root.properties) || root.additionalProperties === false || Array.isArray(root.allOf)
  if (rootIsObject && looksLikeObject(root)) {
    namedObject(root, '', rootName, 0)
  } else {
    namedByPointer.set('', rootName)
    const type = convert(root, '', baseName, 0)
    const description = typeof root.description === 'string' ? root.description : undefined
    models.push({
      shape: 'alias',
      name: rootName,
      ...(description ? { description } : {}),
      type,
      pointer: '',
    })
  }
  return { rootName, models }
}
