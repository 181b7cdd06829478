import { entryKey, type RegistryDocument, type RegistryEntry } from '../contracts/index.ts'
import { buildSchemaModel } from './build-schema-model.ts'
import type { SchemaModel } from './schema-model.ts'
import { entryBaseName, NameAllocator, payloadTypeName } from './type-names.ts'

export interface EntryModel {
  entry: RegistryEntry
  key: string
  model: SchemaModel
  /** True for the highest version of its type (the one `EventPayloadMap` names). */
  latest: boolean
}

export interface CatalogModels {
  entries: EntryModel[]
  envelope: SchemaModel
}

/** Entries in a stable order (type, then version), whatever order registry.yaml lists them in. */
export function sortedEntries(entries: readonly RegistryEntry[]): RegistryEntry[] {
  return [...entries].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.version - b.version))
}

/**
 * Names and models every payload of the catalog. Root names are handed out first so that a
 * payload keeps its natural name even when a nested object elsewhere would want the same one.
 */
export function buildCatalogModels(document: RegistryDocument): CatalogModels {
  const names = new NameAllocator()
  const entries = sortedEntries(document.entries)
  const latestVersion = new Map<string, number>()
  for (const entry of entries)
    latestVersion.set(entry.type, Math.max(latestVersion.get(entry.type) ?? 0, entry.version))
  const rootNames = entries.map((entry) => names.allocate(payloadTypeName(entry.type, entry.version)))
  const models = entries.map((entry, index) => ({
    entry,
    key: entryKey(entry.type, entry.version),
    model: buildSchemaModel(entry.schema, rootNames[index]!, entryBaseName(entry.type, entry.version), names),
    latest: latestVersion.get(entry.type) === entry.version,
  }))
  const envelope = buildSchemaModel(document.envelope, 'Envelope', 'Envelope', names)
  return { entries: models, envelope }
}
