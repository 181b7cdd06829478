import { localDefinitions, toAsyncApiSchema } from './asyncapi-schema.ts'

/** A component key AsyncAPI accepts (letters, digits, `.`, `_`, `-`). */
export function componentKey(text: string): string {
  return text.replace(/[^\w.-]/g, '_')
}

/**
 * A payload schema and its $defs as component schemas, refs rewritten to point at them.
 * `nameOf` turns `<root>.<def>` into the component name (the wire form allocates unique names).
 */
export function payloadComponents(
  rootName: string,
  schema: unknown,
  nameOf: (key: string) => string,
): { name: string; schema: unknown }[] {
  const targets = new Map<string, string>([['#', `#/components/schemas/${rootName}`]])
  const defs = localDefinitions(schema).map((def) => {
    const name = nameOf(componentKey(`${rootName}.${def.name}`))
    targets.set(def.ref, `#/components/schemas/${name}`)
    return { name, node: def.node }
  })
  const target = (ref: string) => targets.get(ref)
  return [
    { name: rootName, schema: toAsyncApiSchema(schema, target) },
    ...defs.map((def) => ({ name: def.name, schema: toAsyncApiSchema(def.node, target) })),
  ]
}

/** A message's payload: the envelope with `type` and `version` fixed and the payload component. */
export function envelopeMessagePayload(type: string, version: number, payloadRootName: string): unknown {
  return {
    allOf: [
      { $ref: '#/components/schemas/Envelope' },
      {
        type: 'object',
        properties: {
          type: { const: type },
          version: { const: version },
          payload: { $ref: `#/components/schemas/${payloadRootName}` },
        },
      },
    ],
  }
}
