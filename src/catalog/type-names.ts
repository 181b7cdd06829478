// Names of generated types, shared by the TypeScript and Python generators so both languages
// call the same payload the same thing.

/** Names the generated modules define or import themselves; a payload type must never take one. */
export const RESERVED_TYPE_NAMES: readonly string[] = Object.freeze([
  // TypeScript helpers of event-types.ts
  'Envelope',
  'EnvelopeDraft',
  'EventPayloadMap',
  'EventPayloadMapByVersion',
  'EventType',
  'EventTypeWithVersion',
  'EVENT_TYPES',
  'AnyEnvelope',
  'EnvelopeOf',
  'DraftOf',
  'AnyDraft',
  'PayloadOf',
  'EventLatestVersionMap',
  'TypeOfKey',
  'VersionOfKey',
  'VersionedDraftOf',
  'defineEvent',
  'isEventType',
  'CommandType',
  'CommandReplyMap',
  'StoredPayloadMap',
  'StoredPayloadMapByVersion',
  'StoredPayloadOf',
  'AnyStoredEnvelope',
  'StoredEnvelope',
  // Python imports and module-level names of models.py
  'Any',
  'Annotated',
  'BaseModel',
  'CatalogModel',
  'ConfigDict',
  'Dict',
  'Field',
  'List',
  'Literal',
  'Optional',
  'RootModel',
  'StrictBool',
  'StrictFloat',
  'StrictInt',
  'StrictStr',
  'Type',
  'Union',
  'TYPE_MAP',
  'STORED_TYPE_MAP',
  'LATEST_VERSIONS',
  'CATALOG_VERSION',
  'payload_model',
])

/** `chat.query` -> `ChatQuery`, `tts.viseme_timing` -> `TtsVisemeTiming`, `bytesB64` -> `BytesB64`. */
export function pascalCase(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0)
  const joined = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('')
  if (joined === '') return 'Anonymous'
  return /^[0-9]/.test(joined) ? `T${joined}` : joined
}

/** The base of every name generated for type@version: `ChatQuery`, `ChatQueryV2`. */
export function entryBaseName(type: string, version: number): string {
  return version > 1 ? `${pascalCase(type)}V${version}` : pascalCase(type)
}

/** The payload type of type@version: `ChatQueryPayload`, `ChatQueryPayloadV2`. */
export function payloadTypeName(type: string, version: number): string {
  return version > 1 ? `${pascalCase(type)}PayloadV${version}` : `${pascalCase(type)}Payload`
}

/** The stored form's payload type of type@version: `ChatQueryStoredPayload`, `ChatQueryStoredPayloadV2`. */
export function storedPayloadTypeName(type: string, version: number): string {
  return version > 1 ? `${pascalCase(type)}StoredPayloadV${version}` : `${pascalCase(type)}StoredPayload`
}

/**
 * Hands out unique names: a wanted name that is reserved or taken gets the smallest free numeric
 * suffix, so generation stays deterministic for a given catalog order.
 */
export class NameAllocator {
  readonly #taken = new Set<string>(RESERVED_TYPE_NAMES)

  allocate(wanted: string): string {
    let name = wanted
    for (let suffix = 2; this.#taken.has(name); suffix++) name = `${wanted}${suffix}`
    this.#taken.add(name)
    return name
  }
}
