// The stored form in the AsyncAPI document: what `GET /events` (the log) and `/ws/events` (the
// live tail) carry. Per-type channels (`hub.{hubId}.<type>`) carry the in-flight form producers
// publish; the `log` and `tail` channels carry the stored form of every type they deliver.
import { createGuardrails, type Envelope, GUARDRAIL_SUMMARY_SCHEMA } from '../contracts/index.ts'
import { envelopeMessagePayload, payloadComponents } from './asyncapi-components.ts'
import { toAsyncApiSchema } from './asyncapi-schema.ts'
import type { CatalogModels, EntryModel } from './catalog-models.ts'

type Json = Record<string, unknown>

export function storedMessageId(item: EntryModel): string {
  return item.stored.rootName.replace(/Payload/, 'Message')
}

const SUMMARY_TEXT = JSON.stringify(GUARDRAIL_SUMMARY_SCHEMA)

// Every stored payload carries the same summary: one component it points at.
function referSummary(node: unknown, summaryRef: string): unknown {
  if (Array.isArray(node)) return node.map((child) => referSummary(child, summaryRef))
  if (node === null || typeof node !== 'object') return node
  if (JSON.stringify(node) === SUMMARY_TEXT) return { $ref: summaryRef }
  return Object.fromEntries(
    Object.entries(node as Json).map(([key, child]) => [key, referSummary(child, summaryRef)]),
  )
}

/** Component schemas of the stored payloads (and their $defs) plus the guardrail summary. */
export function storedComponentSchemas(models: CatalogModels): Json {
  const summaryName = models.guardrailSummary.rootName
  const summaryRef = `#/components/schemas/${summaryName}`
  const schemas: Json = { [summaryName]: toAsyncApiSchema(GUARDRAIL_SUMMARY_SCHEMA, () => undefined) }
  for (const item of models.entries) {
    for (const component of payloadComponents(item.stored.rootName, item.storedSchema, (key) => key))
      schemas[component.name] = referSummary(component.schema, summaryRef)
  }
  return schemas
}

/** Stored messages: the envelope with the stored payload, examples passed through guardrails. */
export function storedMessages(models: CatalogModels, exampleEnvelope: Readonly<Json>): Json {
  const guard = createGuardrails({
    catalogVersion: '',
    envelope: {},
    result: {},
    hubManifest: {},
    entries: models.entries.map((item) => item.entry),
  })
  const messages: Json = {}
  for (const item of models.entries) {
    const { entry } = item
    messages[storedMessageId(item)] = {
      name: entry.type,
      title: `${entry.type} v${entry.version} (stored form)`,
      summary: entry.summary,
      description:
        'As the log, the live tail and exports carry it: guardrails applied (hashed fields become ' +
        '<field>_sha256 + <field>_len, dropped fields are gone, `_guardrails` lists what changed).',
      contentType: 'application/json',
      payload: envelopeMessagePayload(entry.type, entry.version, item.stored.rootName),
      examples: entry.examples.slice(0, 3).map((payload, index) => ({
        name: `example${index + 1}`,
        payload: guard({ ...exampleEnvelope, type: entry.type, version: entry.version, payload } as Envelope),
      })),
      'x-form': 'stored',
      'x-kind': entry.kind,
      'x-stored': entry.stored,
    }
  }
  return messages
}

function channelMessages(items: EntryModel[]): Json {
  return Object.fromEntries(
    items.map((item) => [storedMessageId(item), { $ref: `#/components/messages/${storedMessageId(item)}` }]),
  )
}

function messageRefs(channel: string, items: EntryModel[]): { $ref: string }[] {
  return items.map((item) => ({ $ref: `#/channels/${channel}/messages/${storedMessageId(item)}` }))
}

/** The `log` and `tail` channels (stored form) and the operations that receive from them. */
export function storedChannels(models: CatalogModels): { channels: Json; operations: Json } {
  const logged = models.entries.filter((item) => item.entry.stored)
  const all = models.entries
  return {
    channels: {
      log: {
        address: '/events',
        title: 'The event log (stored form)',
        description:
          'GET /events (a JSON list or NDJSON) and exports: every stored type, in the stored form. ' +
          'Ephemeral types (stored: false) are not in the log.',
        messages: channelMessages(logged),
        'x-form': 'stored',
      },
      tail: {
        address: '/ws/events',
        title: 'The live tail (stored form)',
        description:
          'WebSocket /ws/events: every event as it is published, ephemeral ones included, in the ' +
          'stored form; `from=<seq>` resumes after a disconnect.',
        messages: channelMessages(all),
        'x-form': 'stored',
      },
    },
    operations: {
      'log.receive': {
        action: 'receive',
        channel: { $ref: '#/channels/log' },
        summary: 'Replay the log (GET /events)',
        messages: messageRefs('log', logged),
      },
      'tail.receive': {
        action: 'receive',
        channel: { $ref: '#/channels/tail' },
        summary: 'Follow the live tail (/ws/events)',
        messages: messageRefs('tail', all),
      },
    },
  }
}
