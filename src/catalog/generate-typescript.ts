import type { CatalogModels, EntryModel } from './catalog-models.ts'
import { generatedNotice } from './generated-header.ts'
import type { Constraints, NamedModel, PropertyModel, TypeNode } from './schema-model.ts'

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

function quote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n').replaceAll('\r', '\\r')}'`
}

/** A `${...}` placeholder of a template literal type in the generated text. */
function hole(text: string): string {
  return `$\{${text}}`
}

function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : quote(name)
}

/** A JSDoc block; `*\/` inside a description would end the comment early. */
function docComment(lines: string[], indent: string): string[] {
  const text = lines
    .flatMap((line) => line.split(/\r?\n/))
    .map((line) => line.replaceAll('*/', '*\\/').trimEnd())
    .filter((line, index, all) => line !== '' || (index > 0 && index < all.length - 1))
  if (text.length === 0) return []
  if (text.length === 1) return [`${indent}/** ${text[0]} */`]
  return [
    `${indent}/**`,
    ...text.map((line) => (line === '' ? `${indent} *` : `${indent} * ${line}`)),
    `${indent} */`,
  ]
}

export function renderTypeScriptType(type: TypeNode): string {
  switch (type.kind) {
    case 'any':
      return 'unknown'
    case 'never':
      return 'never'
    case 'primitive':
      return type.type === 'integer' ? 'number' : type.type
    case 'literal':
      return type.values
        .map((value) => (typeof value === 'string' ? quote(value) : String(value)))
        .join(' | ')
    case 'array': {
      const items = renderTypeScriptType(type.items)
      return /^[A-Za-z0-9_]+$/.test(items) ? `${items}[]` : `Array<${items}>`
    }
    case 'map':
      return `Record<string, ${renderTypeScriptType(type.values)}>`
    case 'ref':
      return type.name
    case 'union':
      return type.variants.map(renderTypeScriptType).join(' | ')
  }
}

function constraintNotes(type: TypeNode): string[] {
  const constraints: Constraints =
    type.kind === 'primitive' || type.kind === 'array'
      ? type.constraints
      : type.kind === 'union'
        ? Object.assign(
            {},
            ...type.variants.map((variant) => ('constraints' in variant ? variant.constraints : {})),
          )
        : {}
  return Object.entries(constraints).map(([key, value]) => `@${key} ${String(value)}`)
}

function renderProperty(property: PropertyModel): string[] {
  const notes = [
    ...(property.description ? [property.description] : []),
    ...(property.redact ? [`Redacted when stored or broadcast: \`${property.redact}\`.`] : []),
    ...constraintNotes(property.type),
  ]
  const optional = property.required ? '' : '?'
  return [
    ...docComment(notes, '  '),
    `  ${propertyKey(property.name)}${optional}: ${renderTypeScriptType(property.type)}`,
  ]
}

function renderModel(model: NamedModel, heading: string[]): string[] {
  const doc = docComment([...heading, ...(model.description ? [model.description] : [])], '')
  if (model.shape === 'alias')
    return [...doc, `export type ${model.name} = ${renderTypeScriptType(model.type)}`]
  if (model.properties.length === 0) {
    const values =
      model.additional === 'forbid'
        ? 'never'
        : model.additional === 'any'
          ? 'unknown'
          : renderTypeScriptType(model.additional)
    return [...doc, `export type ${model.name} = Record<string, ${values}>`]
  }
  // An index signature must admit every declared property, so open objects take `unknown` values.
  const open = model.additional === 'forbid' ? [] : ['  [key: string]: unknown']
  return [
    ...doc,
    `export interface ${model.name} {`,
    ...model.properties.flatMap(renderProperty),
    ...open,
    '}',
  ]
}

function renderEntry(item: EntryModel): string[] {
  const lines: string[] = []
  for (const model of item.model.models) {
    const heading =
      model.name === item.model.rootName
        ? [`\`${item.key}\` (${item.entry.kind}): ${item.entry.summary}`]
        : []
    lines.push(...renderModel(model, heading), '')
  }
  return lines
}

function renderStoredEntry(item: EntryModel): string[] {
  const lines: string[] = []
  for (const model of item.stored.models) {
    const heading =
      model.name === item.stored.rootName
        ? [
            `Stored form of \`${item.key}\`: what the log, \`/ws/events\` and exports carry (guardrails applied, decision 0004).`,
          ]
        : []
    lines.push(...renderModel(model, heading), '')
  }
  return lines
}

/** The stored-form half of event-types.ts: its payload types, maps and envelopes. */
function storedFormLines(models: CatalogModels): string[] {
  const latest = models.entries.filter((item) => item.latest)
  return [
    ...models.guardrailSummary.models.flatMap((model) => [...renderModel(model, []), '']),
    ...models.entries.flatMap(renderStoredEntry),
    '/** Stored payload of every `type@version`: the form readers of the log and the live tail get. */',
    'export interface StoredPayloadMapByVersion {',
    ...models.entries.map((item) => `  ${quote(item.key)}: ${item.stored.rootName}`),
    '}',
    '',
    '/** Stored payload of the latest version of every type. */',
    'export interface StoredPayloadMap {',
    ...latest.map((item) => `  ${quote(item.entry.type)}: ${item.stored.rootName}`),
    '}',
    '',
    '/** Stored payload of the latest version of type T. */',
    'export type StoredPayloadOf<T extends EventType> = StoredPayloadMap[T]',
    '',
    '/** Any envelope as the log and the live tail carry it; narrowing on `type` (and `version`) narrows the payload. */',
    'export type AnyStoredEnvelope =',
    ...(models.entries.length === 0
      ? ['  never']
      : models.entries.map(
          (item) =>
            `  | (Envelope<${quote(item.entry.type)}, ${item.stored.rootName}> & { version: ${item.entry.version} })`,
        )),
    '',
    '/** A stored envelope of type T (every type when omitted), as `GET /events` and `/ws/events` answer. */',
    'export type StoredEnvelope<T extends EventType = EventType> = Extract<AnyStoredEnvelope, { type: T }>',
    '',
  ]
}

/** src/contracts/generated/event-types.ts: payload types plus the maps and helpers over them. */
export function generateTypeScript(models: CatalogModels): string {
  const latest = models.entries.filter((item) => item.latest)
  const commands = latest.filter((item) => item.entry.kind === 'command')
  const replyTypes = new Set(
    models.entries.filter((item) => item.entry.kind === 'reply').map((item) => item.entry.type),
  )
  const lines = [
    `// ${generatedNotice('src/catalog/generate-typescript.ts')}`,
    '',
    "import type { Envelope, EnvelopeDraft } from '../envelope.ts'",
    '',
    ...models.entries.flatMap(renderEntry),
    '/** Payload of every `type@version` in the catalog. */',
    'export interface EventPayloadMapByVersion {',
    ...models.entries.map((item) => `  ${quote(item.key)}: ${item.model.rootName}`),
    '}',
    '',
    '/** Payload of the latest version of every type. */',
    'export interface EventPayloadMap {',
    ...latest.map((item) => `  ${quote(item.entry.type)}: ${item.model.rootName}`),
    '}',
    '',
    'export type EventType = keyof EventPayloadMap',
    'export type EventTypeWithVersion = keyof EventPayloadMapByVersion',
    '',
    '/** The latest version of every type. */',
    'export interface EventLatestVersionMap {',
    ...latest.map((item) => `  ${quote(item.entry.type)}: ${item.entry.version}`),
    '}',
    '',
    '/** Payload of the latest version of type T. */',
    'export type PayloadOf<T extends EventType> = EventPayloadMap[T]',
    '',
    '/** Every type in the catalog, sorted. */',
    'export const EVENT_TYPES = [',
    ...latest.map((item) => `  ${quote(item.entry.type)},`),
    '] as const satisfies readonly EventType[]',
    '',
    '/** Any envelope of the catalog; narrowing on `type` (and `version`) narrows the payload. */',
    'export type AnyEnvelope =',
    ...(models.entries.length === 0
      ? ['  never']
      : models.entries.map(
          (item) =>
            `  | (Envelope<${quote(item.entry.type)}, ${item.model.rootName}> & { version: ${item.entry.version} })`,
        )),
    '',
    'export type EnvelopeOf<T extends EventType> = Extract<AnyEnvelope, { type: T }>',
    '',
    '/**',
    ' * What a producer publishes for type T: the payload is checked against the latest version, and',
    ' * `version`, when given, must be that version.',
    ' */',
    "export type DraftOf<T extends EventType> = Omit<EnvelopeDraft<T, PayloadOf<T>>, 'version'> & {",
    '  version?: EventLatestVersionMap[T]',
    '}',
    '',
    '/** A draft of any catalog type; narrowing on `type` narrows the payload. */',
    'export type AnyDraft = { [T in EventType]: DraftOf<T> }[EventType]',
    '',
    '/** `chat.query@1` -> `chat.query`. */',
    `export type TypeOfKey<K extends EventTypeWithVersion> = K extends \`${hole('infer T')}@${hole('number')}\` ? T : never`,
    '',
    '/** `chat.query@1` -> `1`. */',
    `export type VersionOfKey<K extends EventTypeWithVersion> = K extends \`${hole('string')}@${hole('infer V extends number')}\``,
    '  ? V',
    '  : never',
    '',
    '/** A draft of one `type@version`, older versions included; `version` is required. */',
    'export type VersionedDraftOf<K extends EventTypeWithVersion> = EnvelopeDraft<',
    '  TypeOfKey<K>,',
    '  EventPayloadMapByVersion[K]',
    '> & { version: VersionOfKey<K> }',
    '',
    '/** Identity at run time; lets the compiler check `type` and `payload` together. */',
    'export function defineEvent<T extends EventType>(draft: DraftOf<T>): DraftOf<T> {',
    '  return draft',
    '}',
    '',
    'const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES)',
    '',
    'export function isEventType(value: string): value is EventType {',
    '  return EVENT_TYPE_SET.has(value)',
    '}',
    '',
    '/** Commands and the type of the reply each one gets (`<command>.result`). */',
    'export interface CommandReplyMap {',
    ...commands
      .filter((item) => replyTypes.has(`${item.entry.type}.result`))
      .map((item) => `  ${quote(item.entry.type)}: ${quote(`${item.entry.type}.result`)}`),
    '}',
    '',
    'export type CommandType = keyof CommandReplyMap',
    '',
    ...storedFormLines(models),
  ]
  return lines.join('\n')
}
