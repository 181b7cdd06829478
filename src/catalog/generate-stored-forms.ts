import { GUARDRAIL_SUMMARY_SCHEMA } from '../contracts/index.ts'
import type { CatalogModels } from './catalog-models.ts'
import { generatedNotice } from './generated-header.ts'

/**
 * catalog/dist/stored-forms.json: the stored-form JSON Schema of every type@version, derived by
 * contracts' storedFormSchema (the one the validator uses for seed 003 payloads), so any JSON
 * Schema 2020-12 validator can check what `GET /events` and `/ws/events` return. Each schema is
 * self-contained (no $ref between entries); `title` names the generated type.
 */
export function generateStoredForms(models: CatalogModels, catalogVersion: string): string {
  const document = {
    $comment: generatedNotice('src/catalog/generate-stored-forms.ts'),
    catalogVersion,
    description:
      'Stored (guarded) payload schemas: what the log, the live tail and exports carry. Validate an ' +
      'event by its envelope (registry.json "envelope") and its payload by entries["<type>@<version>"].',
    guardrailSummary: GUARDRAIL_SUMMARY_SCHEMA,
    entries: Object.fromEntries(
      models.entries.map((item) => [
        item.key,
        {
          title: item.stored.rootName,
          ...Object.fromEntries(Object.entries(item.storedSchema).filter(([key]) => key !== 'title')),
        },
      ]),
    ),
  }
  return `${JSON.stringify(document, null, 2)}\n`
}
