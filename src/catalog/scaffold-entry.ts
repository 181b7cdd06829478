import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Document, isMap, isSeq, parseDocument, type YAMLMap, YAMLSeq } from 'yaml'
import { type Channel, ERROR_CODES, type EventKind, HubError } from '../contracts/index.ts'
import { entryFolder } from './catalog-paths.ts'
import { looksPastParticiple, STREAMING_PARTS } from './lint-naming.ts'
import { TYPE_NAME_PATTERN } from './lint-types.ts'
import { payloadTypeName } from './type-names.ts'

export const DEFAULT_SCAFFOLD_CHANNEL: Channel = 'ops'
const CHANNELS = ['text', 'voice', 'control_room', 'ops', 'tool', 'rag', 'scrape', 'compiler', 'neuro']

export interface ScaffoldOptions {
  type: string
  kind: EventKind
  version: number
  summary?: string
  channel?: Channel
}

export interface ScaffoldReport {
  /** Catalog-relative paths of the files written (registry.yaml included). */
  created: string[]
  /** Naming advice that did not stop the scaffold. */
  warnings: string[]
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

function skeleton(options: ScaffoldOptions): { schema: object; example: object; invalid: object } {
  const head = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: payloadTypeName(options.type, options.version),
    description: `TODO: what a ${options.type} payload carries.`,
    type: 'object',
  }
  if (options.kind !== 'reply') {
    return {
      schema: { ...head, additionalProperties: false, required: [], properties: {} },
      example: {},
      invalid: { notInTheSchema: true },
    }
  }
  // A reply is seed 000's result envelope: {ok:true,data} or {ok:false,error}.
  const error = {
    type: 'object',
    additionalProperties: false,
    required: ['code', 'message'],
    properties: { code: { enum: [...ERROR_CODES] }, message: { type: 'string', maxLength: 4000 } },
  }
  return {
    schema: {
      ...head,
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['ok', 'data'],
          properties: {
            ok: { const: true },
            data: { type: 'object', additionalProperties: false, properties: {} },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['ok', 'error'],
          properties: { ok: { const: false }, error },
        },
      ],
    },
    example: { ok: true, data: {} },
    invalid: { ok: true },
  }
}

function namingProblems(options: ScaffoldOptions): { errors: string[]; warnings: string[] } {
  const last = options.type.slice(options.type.lastIndexOf('.') + 1)
  const errors: string[] = []
  const warnings: string[] = []
  if (!TYPE_NAME_PATTERN.test(options.type)) {
    errors.push(
      `${JSON.stringify(options.type)} is not namespace.name (lowercase letters, digits, _; dot-separated)`,
    )
  } else if (options.kind === 'reply' && last !== 'result') {
    errors.push(`a reply is named <command>.result, not ${options.type}`)
  } else if (options.kind !== 'reply' && last === 'result') {
    errors.push(`${options.type} ends in .result, which names replies; use --kind reply`)
  } else if (options.kind === 'command' && looksPastParticiple(last)) {
    warnings.push(`command ${options.type} reads like a fact; commands are namespace.verb`)
  } else if (options.kind === 'event' && !looksPastParticiple(last) && !STREAMING_PARTS.has(last)) {
    warnings.push(`event ${options.type} does not end in a past participle; events are namespace.noun.past`)
  }
  if (!Number.isInteger(options.version) || options.version < 1)
    errors.push(`--version must be an integer ≥ 1`)
  if (!['event', 'command', 'reply'].includes(options.kind))
    errors.push(`--kind must be event, command or reply`)
  if (options.channel !== undefined && !CHANNELS.includes(options.channel))
    errors.push(`--channel must be one of ${CHANNELS.join(', ')}`)
  return { errors, warnings }
}

/** Appends one entry to registry.yaml, leaving every existing byte (comments included) as it was. */
function appendEntry(text: string, entry: Record<string, unknown>): string {
  const document = parseDocument(text, { version: '1.2' })
  if (document.errors.length > 0)
    throw new HubError('E_VALIDATION', `registry.yaml does not parse: ${document.errors[0]!.message}`)
  const entries = document.get('entries', true)
  if (!isSeq(entries)) throw new HubError('E_VALIDATION', 'registry.yaml has no entries list')
  const node = document.createNode(entry) as YAMLMap
  for (const key of ['producers', 'consumers', 'ui', 'semantics', 'aliases', 'origin']) {
    const child = node.get(key, true)
    if (isMap(child) || isSeq(child)) child.flow = true
  }
  const last = entries.items.at(-1) as { range?: [number, number, number] } | undefined
  if (entries.flow || last?.range === undefined) {
    entries.items.push(node)
    return document.toString({ flowCollectionPadding: false, lineWidth: 0 })
  }
  const holder = new Document(new YAMLSeq())
  ;(holder.contents as YAMLSeq).items.push(node)
  const firstStart = (entries.items[0] as { range: [number, number, number] }).range[0]
  const lineStart = text.lastIndexOf('\n', firstStart - 1) + 1
  const indent = ' '.repeat(Math.max(0, text.slice(lineStart, firstStart).indexOf('-')))
  const rendered = holder
    .toString({ flowCollectionPadding: false, lineWidth: 0 })
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `${indent}${line}\n`)
    .join('')
  const newline = text.indexOf('\n', last.range[1] - 1)
  const at = newline === -1 ? text.length : newline + 1
  const before = text.slice(0, at)
  return `${before}${before.endsWith('\n') ? '' : '\n'}${rendered}${text.slice(at)}`
}

function indexedKeys(text: string): Set<string> {
  const document = parseDocument(text, { version: '1.2' }).toJS() as {
    entries?: { type?: unknown; version?: unknown }[]
  }
  return new Set((document?.entries ?? []).map((entry) => `${String(entry?.type)}@${String(entry?.version)}`))
}

/**
 * Creates events/<ns>/<name>/v<N>/ with a schema skeleton, one valid and one invalid example,
 * and appends the registry.yaml entry. A command also gets its `<command>.result` reply when
 * the catalog has none. Refuses an existing type@version or folder.
 */
export function scaffoldEntry(dir: string, options: ScaffoldOptions): ScaffoldReport {
  const { errors, warnings } = namingProblems(options)
  if (errors.length > 0) throw new HubError('E_BAD_REQUEST', errors.join('; '), { details: { errors } })
  const indexFile = join(dir, 'registry.yaml')
  const text = readFileSync(indexFile, 'utf8')
  const key = `${options.type}@${options.version}`
  const folder = entryFolder(options.type, options.version)
  if (indexedKeys(text).has(key))
    throw new HubError(
      'E_BAD_REQUEST',
      `${key} is already in registry.yaml; a changed schema needs --version ${options.version + 1}`,
    )
  if (existsSync(join(dir, folder)))
    throw new HubError(
      'E_BAD_REQUEST',
      `${folder}/ already exists; add it to registry.yaml by hand or remove it`,
    )
  const files = skeleton(options)
  mkdirSync(join(dir, folder, 'examples'), { recursive: true })
  mkdirSync(join(dir, folder, 'invalid'), { recursive: true })
  writeFileSync(join(dir, folder, 'schema.json'), json(files.schema))
  writeFileSync(join(dir, folder, 'examples', 'basic.json'), json(files.example))
  writeFileSync(
    join(dir, folder, 'invalid', options.kind === 'reply' ? 'ok-without-data.json' : 'unknown-field.json'),
    json(files.invalid),
  )
  const entry = {
    type: options.type,
    version: options.version,
    kind: options.kind,
    summary: options.summary ?? `TODO: one line on what ${options.type} means.`,
    producers: [] as string[],
    consumers: [] as string[],
    stored: true,
    channel: options.channel ?? DEFAULT_SCAFFOLD_CHANNEL,
    ui: { render: 'json', icon: 'circle' },
    semantics: { delivery: 'at-least-once', ordering: 'none' },
    status: 'draft',
    aliases: [] as string[],
    origin: ['product'],
  }
  writeFileSync(indexFile, appendEntry(text, entry))
  const created = [
    `${folder}/schema.json`,
    `${folder}/examples/basic.json`,
    `${folder}/invalid/`,
    'registry.yaml',
  ]
  if (
    options.kind === 'command' &&
    !indexedKeys(readFileSync(indexFile, 'utf8')).has(`${options.type}.result@${options.version}`)
  ) {
    const reply = scaffoldEntry(dir, {
      ...options,
      type: `${options.type}.result`,
      kind: 'reply',
      summary: `Reply to ${options.type}.`,
    })
    created.push(...reply.created.filter((path) => path !== 'registry.yaml'))
  }
  return { created, warnings }
}
