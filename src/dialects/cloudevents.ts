import type { Envelope } from '../contracts/index.ts'
import {
  CANONICAL_DEFAULTS,
  defaultedSet,
  fitsCanonical,
  joinMeta,
  type LimitedField,
  metaToCarry,
  orderEnvelope,
  ownMeta,
  ownObject,
  ownString,
  shouldEmit,
} from './canonical-fields.ts'
import { derivedUuid, isUuid } from './derived-id.ts'
import { invalid, pointer, reject } from './issues.ts'
import { assertJsonTree, compact, isPlainObject } from './json-guard.ts'
import type { CodecContext, DialectCodec, JsonObject } from './types.ts'

const NAMESPACE = 'cloudevents'
const CANONICAL_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/
const JSON_CONTENT_TYPE = /^(application\/([a-z0-9.+-]*\+)?json|text\/json)\s*(;.*)?$/i
export const CLOUDEVENTS_DATA_CONTENT_TYPE = 'application/json'
const SOURCE_URN_PREFIX = 'urn:localhub:source:'
const MAX_META_DEPTH = 64

/** The hub's CloudEvents extensions for canonical fields CloudEvents has no attribute for. */
export const HUB_EXTENSIONS = Object.freeze({
  traceid: 'traceId',
  causationid: 'causationId',
  sessionid: 'sessionId',
  tenant: 'tenant',
  idempotencykey: 'idempotencyKey',
  severity: 'severity',
  eventversion: 'version',
  seq: 'seq',
  sessionseq: 'sessionSeq',
} as const)
/** Canonical `source` when it is no URI reference (the CloudEvents source is then a URN of it). */
export const SOURCE_EXTENSION = 'localhubsource'
/** Canonical `meta` beyond meta.cloudevents, as compact JSON. */
export const META_EXTENSION = 'localhubmeta'
/** Extension names with a fixed meaning here; also the ones binary mode reads back as integers. */
export const RESERVED_EXTENSIONS: readonly string[] = [
  ...Object.keys(HUB_EXTENSIONS),
  SOURCE_EXTENSION,
  META_EXTENSION,
]
export const INTEGER_EXTENSIONS: readonly string[] = ['eventversion', 'seq', 'sessionseq']
const ATTRIBUTES = [
  'specversion',
  'id',
  'source',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
  'data',
]

function encodeSource(source: string): string {
  return SOURCE_URN_PREFIX + encodeURIComponent(source)
}

function extensionValue(input: JsonObject, name: keyof typeof HUB_EXTENSIONS): unknown {
  const value = input[name]
  if (value === undefined) return undefined
  const field = HUB_EXTENSIONS[name]
  if (field === 'severity') {
    if (!['debug', 'info', 'warn', 'error'].includes(value as string)) {
      reject(pointer('', name), 'one of debug, info, warn, error', value)
    }
  } else if (INTEGER_EXTENSIONS.includes(name)) {
    if (!Number.isSafeInteger(value) || (value as number) < 1)
      reject(pointer('', name), 'an integer ≥ 1', value)
  } else if (!fitsCanonical(field as LimitedField, value)) {
    reject(pointer('', name), `a valid canonical ${field}`, value)
  }
  return value
}

function parseMetaExtension(text: unknown): JsonObject | undefined {
  if (text === undefined) return undefined
  const path = pointer('', META_EXTENSION)
  let parsed: unknown
  try {
    parsed = JSON.parse(String(text))
  } catch {
    reject(path, 'compact JSON of an object', text)
  }
  assertJsonTree(parsed, MAX_META_DEPTH, path)
  if (!isPlainObject(parsed) || JSON.stringify(parsed) !== text) {
    reject(path, 'compact JSON of an object, as the hub writes it', text)
  }
  return parsed
}

function toCanonical(input: JsonObject, context: CodecContext): Envelope {
  const issues = context.schemas.validate('cloudevents', input)
  if (issues.length > 0) throw invalid('not a valid CloudEvents 1.0 event (JSON format)', issues)
  if (input.data_base64 !== undefined) {
    reject('/data_base64', 'JSON data (a payload is a JSON object)', '(binary data)')
  }
  const defaulted: string[] = []
  const stash: JsonObject = {}
  const ceId = input.id as string
  const ceSource = input.source as string

  const id = isUuid(ceId) ? ceId : derivedUuid(NAMESPACE, `${ceSource}\n${ceId}`)
  if (id !== ceId) {
    stash.id = ceId
    defaulted.push('id')
  }

  let source: string
  const sourceExtension = input[SOURCE_EXTENSION]
  if (sourceExtension !== undefined) {
    if (!fitsCanonical('source', sourceExtension) || encodeSource(sourceExtension) !== ceSource) {
      reject(
        pointer('', SOURCE_EXTENSION),
        'the canonical source whose URN is the source attribute',
        sourceExtension,
      )
    }
    source = sourceExtension
  } else if (fitsCanonical('source', ceSource)) source = ceSource
  else {
    stash.source = ceSource
    source = NAMESPACE
    defaulted.push('source')
  }

  if (!CANONICAL_TYPE.test(input.type as string) || (input.type as string).length > 200) {
    reject('/type', 'a catalog type namespace.name (lowercase, dot-separated)', input.type)
  }

  const contentType = input.datacontenttype as string | undefined
  if (contentType === undefined) stash.omitted = ['datacontenttype']
  else if (!JSON_CONTENT_TYPE.test(contentType))
    reject('/datacontenttype', 'a JSON content type', contentType)
  else if (contentType !== CLOUDEVENTS_DATA_CONTENT_TYPE) stash.datacontenttype = contentType
  stash.dataschema = input.dataschema
  stash.subject = input.subject

  let payload = input.data
  if (payload === undefined) {
    payload = {}
    defaulted.push('payload')
  } else if (!isPlainObject(payload)) reject('/data', 'a JSON object (it becomes the payload)', payload)

  let ts = input.time as string | undefined
  if (ts === undefined) {
    ts = context.now().toISOString()
    defaulted.push('ts')
  }
  const fields: Partial<Record<keyof Envelope, unknown>> = {}
  for (const name of Object.keys(HUB_EXTENSIONS) as (keyof typeof HUB_EXTENSIONS)[]) {
    fields[HUB_EXTENSIONS[name]] = extensionValue(input, name)
  }
  if (fields.traceId === undefined) {
    fields.traceId = id
    defaulted.push('traceId')
  }
  for (const field of ['tenant', 'severity', 'version'] as const) {
    if (fields[field] === undefined) {
      fields[field] = CANONICAL_DEFAULTS[field]
      defaulted.push(field)
    }
  }
  const extensions = Object.entries(input).filter(
    ([name]) => !ATTRIBUTES.includes(name) && !RESERVED_EXTENSIONS.includes(name),
  )
  if (extensions.length > 0) stash.extensions = Object.fromEntries(extensions)
  if (defaulted.length > 0) stash.defaulted = defaulted

  return orderEnvelope({
    ...fields,
    id,
    type: input.type,
    ts,
    source,
    payload,
    meta: joinMeta(
      parseMetaExtension(input[META_EXTENSION]),
      NAMESPACE,
      compact(Object.entries(stash)),
      `/${META_EXTENSION}`,
    ),
  })
}

function fromCanonical(envelope: Envelope, context: CodecContext): JsonObject {
  const own = ownMeta(envelope, NAMESPACE)
  const defaulted = defaultedSet(own, NAMESPACE)
  const foreign = ownObject(own, NAMESPACE, 'extensions') ?? {}
  for (const name of Object.keys(foreign)) {
    if (ATTRIBUTES.includes(name) || RESERVED_EXTENSIONS.includes(name)) {
      reject(`/meta/cloudevents/extensions/${name}`, 'an extension name the hub does not use itself', name)
    }
  }
  const omitted = Array.isArray(own.omitted) ? own.omitted : []
  let source = ownString(own, NAMESPACE, 'source')
  let sourceExtension: string | undefined
  if (source === undefined) {
    const usable = context.schemas.validate('uriReference', envelope.source).length === 0
    source = usable ? envelope.source : encodeSource(envelope.source)
    if (!usable) sourceExtension = envelope.source
  }
  const carried = metaToCarry(envelope.meta, NAMESPACE)
  const hub: [string, unknown][] = Object.entries(HUB_EXTENSIONS).map(([name, field]) => {
    const keep =
      field in CANONICAL_DEFAULTS || field === 'traceId' ? shouldEmit(envelope, field, defaulted) : true
    return [name, keep ? envelope[field] : undefined]
  })
  return compact([
    ['specversion', '1.0'],
    ['id', ownString(own, NAMESPACE, 'id') ?? envelope.id],
    ['source', source],
    ['type', envelope.type],
    [
      'datacontenttype',
      omitted.includes('datacontenttype')
        ? undefined
        : (ownString(own, NAMESPACE, 'datacontenttype') ?? CLOUDEVENTS_DATA_CONTENT_TYPE),
    ],
    ['dataschema', ownString(own, NAMESPACE, 'dataschema')],
    ['subject', ownString(own, NAMESPACE, 'subject')],
    ['time', defaulted.has('ts') ? undefined : envelope.ts],
    ...hub,
    [SOURCE_EXTENSION, sourceExtension],
    [META_EXTENSION, carried === undefined ? undefined : JSON.stringify(carried)],
    ...Object.entries(foreign),
    [
      'data',
      defaulted.has('payload') && Object.keys(envelope.payload).length === 0 ? undefined : envelope.payload,
    ],
  ])
}

export const cloudEventsCodec: DialectCodec = Object.freeze({
  name: 'cloudevents',
  toCanonical,
  fromCanonical,
})
