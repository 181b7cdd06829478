import type { CatalogModels, EntryModel } from './catalog-models.ts'
import { entryFolder } from './catalog-paths.ts'
import { generatedNotice } from './generated-header.ts'
import type { NamedModel, SchemaModel, TypeNode } from './schema-model.ts'

const HEADER = `<!-- ${generatedNotice('src/catalog/generate-docs.ts')} -->`
/** Nested objects are flattened into `a.b.c` rows up to this depth; deeper ones show their type name. */
const MAX_FLATTEN_DEPTH = 6

function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replaceAll('|', '\\|').trim()
}

function anchor(item: EntryModel): string {
  return `${item.entry.type.replace(/[^a-z0-9]+/g, '-')}-v${item.entry.version}`
}

function namespaceOf(type: string): string {
  return type.slice(0, type.indexOf('.'))
}

export function describeType(type: TypeNode): string {
  switch (type.kind) {
    case 'any':
      return 'any'
    case 'never':
      return 'nothing'
    case 'primitive': {
      const c = type.constraints
      const notes = [
        c.minLength !== undefined ? `min ${c.minLength} chars` : '',
        c.maxLength !== undefined ? `max ${c.maxLength} chars` : '',
        c.minimum !== undefined ? `≥ ${c.minimum}` : '',
        c.exclusiveMinimum !== undefined ? `> ${c.exclusiveMinimum}` : '',
        c.maximum !== undefined ? `≤ ${c.maximum}` : '',
        c.exclusiveMaximum !== undefined ? `< ${c.exclusiveMaximum}` : '',
        c.format ? `format ${c.format}` : '',
        c.pattern ? `pattern \`${c.pattern}\`` : '',
      ].filter(Boolean)
      return notes.length > 0 ? `${type.type} (${notes.join(', ')})` : type.type
    }
    case 'literal':
      return type.values.length === 1
        ? `\`${JSON.stringify(type.values[0])}\``
        : `one of ${type.values.map((value) => `\`${JSON.stringify(value)}\``).join(', ')}`
    case 'array': {
      const limits = [
        type.constraints.minItems !== undefined ? `min ${type.constraints.minItems}` : '',
        type.constraints.maxItems !== undefined ? `max ${type.constraints.maxItems}` : '',
      ].filter(Boolean)
      return `array of ${describeType(type.items)}${limits.length ? ` (${limits.join(', ')} items)` : ''}`
    }
    case 'map':
      return type.values.kind === 'any' ? 'object' : `map of ${describeType(type.values)}`
    case 'ref':
      return `object \`${type.name}\``
    case 'union':
      return type.variants.map(describeType).join(' or ')
  }
}

function payloadRows(model: SchemaModel): string[] {
  const byName = new Map<string, NamedModel>(model.models.map((named) => [named.name, named]))
  const rows: string[] = []
  const visit = (named: NamedModel, prefix: string, depth: number, seen: Set<string>) => {
    if (named.shape === 'alias') {
      rows.push(
        `| ${prefix || '(payload)'} | ${cell(describeType(named.type))} | yes | | ${cell(named.description ?? '')} |`,
      )
      return
    }
    for (const property of named.properties) {
      const field = `${prefix}${property.name}`
      const redaction = property.redact ? `\`${property.redact}\`` : ''
      rows.push(
        `| \`${cell(field)}\` | ${cell(describeType(property.type))} | ${property.required ? 'yes' : 'no'} | ${redaction} | ${cell(property.description ?? '')} |`,
      )
      const inner = property.type.kind === 'array' ? property.type.items : property.type
      const child = inner.kind === 'ref' ? byName.get(inner.name) : undefined
      if (child !== undefined && !seen.has(child.name) && depth < MAX_FLATTEN_DEPTH) {
        const suffix = property.type.kind === 'array' ? '[].' : '.'
        visit(child, `${field}${suffix}`, depth + 1, new Set([...seen, child.name]))
      }
    }
    if (named.additional !== 'forbid') {
      const values = named.additional === 'any' ? 'any' : describeType(named.additional)
      rows.push(`| \`${cell(prefix)}*\` | ${cell(values)} | no | | other properties are allowed |`)
    }
  }
  const root = byName.get(model.rootName)
  if (root !== undefined) visit(root, '', 0, new Set([root.name]))
  return rows
}

function entrySection(item: EntryModel): string[] {
  const { entry } = item
  const list = (values: string[]) => (values.length > 0 ? values.join(', ') : '—')
  const schemaPath = `../../catalog/${entryFolder(entry.type, entry.version)}/schema.json`
  const description = typeof entry.schema.description === 'string' ? [entry.schema.description, ''] : []
  const rows = payloadRows(item.model)
  return [
    `<a id="${anchor(item)}"></a>`,
    '',
    `## ${entry.type} v${entry.version}${entry.status === 'deprecated' ? ' (deprecated)' : ''}`,
    '',
    entry.summary,
    '',
    '| kind | channel | stored | delivery | ordering | status | producers | consumers | origin |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${entry.kind} | ${entry.channel} | ${entry.stored ? 'yes' : 'no (ephemeral)'} | ${entry.semantics.delivery} | ${entry.semantics.ordering} | ${entry.status} | ${cell(list(entry.producers))} | ${cell(list(entry.consumers))} | ${cell(list(entry.origin))} |`,
    '',
    ...(entry.aliases.length > 0
      ? [`Aliases: ${entry.aliases.map((alias) => `\`${alias}\``).join(', ')}`, '']
      : []),
    ...(entry.semantics.idempotencyKey
      ? [`Idempotency key: payload field \`${entry.semantics.idempotencyKey}\``, '']
      : []),
    `Payload type \`${item.model.rootName}\` · schema [${entryFolder(entry.type, entry.version)}/schema.json](${schemaPath})`,
    '',
    ...description,
    ...(rows.length > 0
      ? ['| field | type | required | redaction | description |', '|---|---|---|---|---|', ...rows, '']
      : ['The payload has no fields.', '']),
    ...(entry.examples.length > 0
      ? ['Example:', '', '```json', JSON.stringify(entry.examples[0], null, 2), '```', '']
      : []),
  ]
}

/** docs/events/: README.md (the index) and one page per namespace. Keys are file names. */
export function generateDocs(models: CatalogModels, catalogVersion: string): Map<string, string> {
  const pages = new Map<string, string>()
  const byNamespace = new Map<string, EntryModel[]>()
  for (const item of models.entries) {
    const namespace = namespaceOf(item.entry.type)
    byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), item])
  }
  const namespaces = [...byNamespace.keys()].sort()
  const count = (kind: string) => models.entries.filter((item) => item.entry.kind === kind).length
  const index = [
    HEADER,
    '',
    '# Event catalog',
    '',
    `Catalog version ${catalogVersion}: ${models.entries.length} type versions (${count('event')} events, ` +
      `${count('command')} commands, ${count('reply')} replies). Every envelope's payload is validated against ` +
      'its `type@version` schema; fields marked with a redaction are dropped, hashed (`<field>_sha256` + ' +
      '`<field>_len`) or capped before anything is stored or broadcast. Ephemeral types are never stored or replayed.',
    '',
  ]
  for (const namespace of namespaces) {
    index.push(
      `## ${namespace}`,
      '',
      '| type | v | kind | channel | stored | ordering | status | summary |',
      '|---|---|---|---|---|---|---|---|',
    )
    for (const item of byNamespace.get(namespace)!) {
      const { entry } = item
      index.push(
        `| [${entry.type}](${namespace}.md#${anchor(item)}) | ${entry.version} | ${entry.kind} | ${entry.channel} | ${entry.stored ? 'yes' : 'no'} | ${entry.semantics.ordering} | ${entry.status} | ${cell(entry.summary)} |`,
      )
    }
    index.push('')
    pages.set(
      `${namespace}.md`,
      [HEADER, '', `# ${namespace}`, '', ...byNamespace.get(namespace)!.flatMap(entrySection)].join('\n'),
    )
  }
  const channels = [...new Set(models.entries.map((item) => item.entry.channel))].sort()
  index.push('## By channel', '')
  for (const channel of channels) {
    const links = models.entries
      .filter((item) => item.entry.channel === channel)
      .map(
        (item) =>
          `[${item.entry.type}@${item.entry.version}](${namespaceOf(item.entry.type)}.md#${anchor(item)})`,
      )
    index.push(`- **${channel}**: ${links.join(', ')}`)
  }
  index.push('')
  pages.set('README.md', index.join('\n'))
  return pages
}
