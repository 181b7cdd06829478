import { stringify } from 'yaml'
import { envelopeMessagePayload, payloadComponents } from './asyncapi-components.ts'
import { toAsyncApiSchema } from './asyncapi-schema.ts'
import { storedChannels, storedComponentSchemas, storedMessages } from './asyncapi-stored.ts'
import type { CatalogModels, EntryModel } from './catalog-models.ts'
import { generatedNotice } from './generated-header.ts'
import { NameAllocator } from './type-names.ts'

/** An example envelope's fixed fields, so the document is the same on every run. */
const EXAMPLE_ENVELOPE = Object.freeze({
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  ts: '2026-01-01T12:00:00.000Z',
  source: 'kernel',
  severity: 'info',
  traceId: 'trace-example',
  tenant: 'default',
})

function messageId(item: EntryModel): string {
  return item.model.rootName.replace(/Payload/, 'Message')
}

function channelRef(type: string): { $ref: string } {
  return { $ref: `#/channels/${type}` }
}

function messageRefs(type: string, items: EntryModel[]): { $ref: string }[] {
  return items.map((item) => ({ $ref: `#/channels/${type}/messages/${messageId(item)}` }))
}

/** Component schemas of every payload (and its $defs), with refs rewritten to point at them. */
function componentSchemas(models: CatalogModels, envelope: Record<string, unknown>) {
  const schemas: Record<string, unknown> = { Envelope: toAsyncApiSchema(envelope, () => undefined) }
  const names = new NameAllocator()
  for (const item of models.entries) names.allocate(item.model.rootName)
  for (const item of models.entries) {
    const components = payloadComponents(item.model.rootName, item.entry.schema, (key) => names.allocate(key))
    for (const component of components) schemas[component.name] = component.schema
  }
  return schemas
}

function message(item: EntryModel) {
  const { entry } = item
  return {
    name: entry.type,
    title: `${entry.type} v${entry.version}`,
    summary: entry.summary,
    contentType: 'application/json',
    payload: envelopeMessagePayload(entry.type, entry.version, item.model.rootName),
    examples: entry.examples.slice(0, 3).map((payload, index) => ({
      name: `example${index + 1}`,
      payload: { ...EXAMPLE_ENVELOPE, type: entry.type, version: entry.version, payload },
    })),
    'x-kind': entry.kind,
    'x-stored': entry.stored,
    'x-channel': entry.channel,
    'x-delivery': entry.semantics.delivery,
    'x-ordering': entry.semantics.ordering,
    'x-status': entry.status,
  }
}

/**
 * catalog/dist/asyncapi.yaml: one channel per type on the subject `hub.{hubId}.<type>`, a message
 * per version (the canonical envelope with that payload), a send operation when the type has
 * producers and a receive operation when it has consumers; commands name their reply channel.
 */
export function generateAsyncApi(
  models: CatalogModels,
  envelope: Record<string, unknown>,
  catalogVersion: string,
): string {
  const byType = new Map<string, EntryModel[]>()
  for (const item of models.entries)
    byType.set(item.entry.type, [...(byType.get(item.entry.type) ?? []), item])
  const channels: Record<string, unknown> = {}
  const operations: Record<string, unknown> = {}
  const messages: Record<string, unknown> = {}
  for (const [type, items] of byType) {
    const latest = items[items.length - 1]!.entry
    channels[type] = {
      address: `hub.{hubId}.${type}`,
      title: type,
      description: latest.summary,
      parameters: { hubId: { $ref: '#/components/parameters/hubId' } },
      'x-form': 'in-flight',
      messages: Object.fromEntries(
        items.map((item) => [messageId(item), { $ref: `#/components/messages/${messageId(item)}` }]),
      ),
    }
    for (const item of items) messages[messageId(item)] = message(item)
    const reply = byType.get(`${type}.result`)
    if (latest.producers.length > 0) {
      operations[`${type}.send`] = {
        action: 'send',
        channel: channelRef(type),
        summary: `Published by ${latest.producers.join(', ')}`,
        messages: messageRefs(type, items),
        ...(latest.kind === 'command' && reply
          ? {
              reply: {
                channel: channelRef(`${type}.result`),
                messages: messageRefs(`${type}.result`, reply),
              },
            }
          : {}),
      }
    }
    if (latest.consumers.length > 0) {
      operations[`${type}.receive`] = {
        action: 'receive',
        channel: channelRef(type),
        summary: `Consumed by ${latest.consumers.join(', ')}`,
        messages: messageRefs(type, items),
      }
    }
  }
  const stored = storedChannels(models)
  const document = {
    asyncapi: '3.0.0',
    info: {
      title: 'Local Hub events',
      version: catalogVersion,
      description:
        'Every event, command and reply of the Local Hub catalog. Each message is the canonical envelope ' +
        'whose payload is validated against the type@version schema. The per-type channels carry the ' +
        'in-flight form producers publish (x-form: in-flight); the log and tail channels carry the stored ' +
        'form readers receive, guardrails applied (x-form: stored; decisions 0004, 0100).',
    },
    defaultContentType: 'application/json',
    channels: { ...channels, ...stored.channels },
    operations: { ...operations, ...stored.operations },
    components: {
      schemas: { ...componentSchemas(models, envelope), ...storedComponentSchemas(models) },
      messages: { ...messages, ...storedMessages(models, EXAMPLE_ENVELOPE) },
      parameters: {
        hubId: { description: 'The hub an event belongs to; `root` events use the prefix `root` instead.' },
      },
    },
  }
  const body = stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })
  return `# ${generatedNotice('src/catalog/generate-asyncapi.ts')}\n${body}`
}
