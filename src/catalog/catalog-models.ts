import {
  entryKey,
  GUARDRAIL_SUMMARY_SCHEMA,
  type RegistryDocument,
  type RegistryEntry,
  storedFormSchema,
} from '../contracts/index.ts'
import { buildSchemaModel, type ReuseModel } from './build-schema-model.ts'
import type { SchemaModel } from './schema-model.ts'
import { entryBaseName, NameAllocator, payloadTypeName, storedPayloadTypeName } from './type-names.ts'

export interface EntryModel {
  entry: RegistryEntry
  key: string
  model: SchemaModel
  /** The stored (guarded) form's schema, derived by contracts' storedFormSchema (decision 0100). */
  storedSchema: Record<string, unknown>
  /** Models of the stored form; objects it leaves unchanged keep their in-flight models. */
  stored: SchemaModel
  /** True for the highest version of its type (the one `EventPayloadMap` names). */
  latest: boolean
}

export interface CatalogModels {
  entries: EntryModel[]
  envelope: SchemaModel
  /** The `_guardrails` summary every stored form may carry. */
  guardrailSummary: SchemaModel
}

/** The name of the `_guardrails` summary type in every generated language. */
export const GUARDRAIL_SUMMARY_NAME = 'GuardrailSummary'

/** Entries in a stable order (type, then version), whatever order registry.yaml lists them in. */
export function sortedEntries(entries: readonly RegistryEntry[]): RegistryEntry[] {
  return [...entries].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.version - b.version))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The node at a JSON pointer of `schema`, or undefined. */
function nodeAt(schema: unknown, pointer: string): unknown {
  let node = schema
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (Array.isArray(node)) node = node[Number(token)]
    else if (isRecord(node)) node = node[token]
    else return undefined
  }
  return node
}

const SUMMARY_TEXT = JSON.stringify(GUARDRAIL_SUMMARY_SCHEMA)

// The derivation keeps pointers and key order, so an object the redaction rules leave alone is
// the same JSON at the same pointer in both forms: it keeps its in-flight model.
function reuseInFlight(inFlightSchema: unknown, inFlight: SchemaModel, summaryName: string): ReuseModel {
  const byPointer = new Map(inFlight.models.map((model) => [model.pointer, model.name]))
  return (node, pointer) => {
    const text = JSON.stringify(node)
    if (text === SUMMARY_TEXT) return summaryName
    const name = byPointer.get(pointer)
    return name !== undefined && JSON.stringify(nodeAt(inFlightSchema, pointer)) === text ? name : undefined
  }
}

/**
 * Names and models every payload of the catalog. Root names are handed out first so that a
 * payload keeps its natural name even when a nested object elsewhere would want the same one;
 * the stored forms come after every in-flight name, so adding them renamed nothing.
 */
export function buildCatalogModels(document: RegistryDocument): CatalogModels {
  const names = new NameAllocator()
  const entries = sortedEntries(document.entries)
  const latestVersion = new Map<string, number>()
  for (const entry of entries)
    latestVersion.set(entry.type, Math.max(latestVersion.get(entry.type) ?? 0, entry.version))
  const rootNames = entries.map((entry) => names.allocate(payloadTypeName(entry.type, entry.version)))
  const inFlight = entries.map((entry, index) =>
    buildSchemaModel(entry.schema, rootNames[index]!, entryBaseName(entry.type, entry.version), names),
  )
  const envelope = buildSchemaModel(document.envelope, 'Envelope', 'Envelope', names)
  const guardrailSummary = buildSchemaModel(
    structuredClone(GUARDRAIL_SUMMARY_SCHEMA),
    names.allocate(GUARDRAIL_SUMMARY_NAME),
    GUARDRAIL_SUMMARY_NAME,
    names,
  )
  const storedRootNames = entries.map((entry) =>
    names.allocate(storedPayloadTypeName(entry.type, entry.version)),
  )
  const models = entries.map((entry, index) => {
    const storedSchema = storedFormSchema(entry.schema)
    const stored = buildSchemaModel(
      storedSchema,
      storedRootNames[index]!,
      `${entryBaseName(entry.type, entry.version)}Stored`,
      names,
      reuseInFlight(entry.schema, inFlight[index]!, guardrailSummary.rootName),
    )
    return {
      entry,
      key: entryKey(entry.type, entry.version),
      model: inFlight[index]!,
      storedSchema,
      stored,
      latest: latestVersion.get(entry.type) === entry.version,
    }
  })
  return { entries: models, envelope, guardrailSummary }
}
