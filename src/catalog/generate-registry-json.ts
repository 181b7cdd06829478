import type { RegistryDocument, RegistryEntry } from '../contracts/index.ts'
import { sortedEntries } from './catalog-models.ts'
import { generatedNotice } from './generated-header.ts'

// Entry fields in the order of RegistryEntry, so the file reads the same whatever the YAML order.
function orderedEntry(entry: RegistryEntry): RegistryEntry {
  return {
    type: entry.type,
    version: entry.version,
    kind: entry.kind,
    summary: entry.summary,
    producers: entry.producers,
    consumers: entry.consumers,
    stored: entry.stored,
    channel: entry.channel,
    ui: { render: entry.ui.render, icon: entry.ui.icon },
    semantics: {
      delivery: entry.semantics.delivery,
      ordering: entry.semantics.ordering,
      ...(entry.semantics.idempotencyKey === undefined
        ? {}
        : { idempotencyKey: entry.semantics.idempotencyKey }),
    },
    status: entry.status,
    aliases: entry.aliases,
    origin: entry.origin,
    schema: entry.schema,
    examples: entry.examples,
  }
}

/**
 * catalog/dist/registry.json: the merged machine index the runtime loads. JSON has no comments,
 * so the do-not-edit notice is a top-level "$comment" (readers ignore unknown fields).
 */
export function generateRegistryJson(document: RegistryDocument): string {
  const merged = {
    $comment: generatedNotice('src/catalog/generate-registry-json.ts'),
    catalogVersion: document.catalogVersion,
    envelope: document.envelope,
    result: document.result,
    hubManifest: document.hubManifest,
    entries: sortedEntries(document.entries).map(orderedEntry),
  }
  return `${JSON.stringify(merged, null, 2)}\n`
}
