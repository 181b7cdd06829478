// A small registry for bus and store tests, so they do not depend on the growing catalog. It uses
// the real envelope schema; the type names match what the catalog will hold.
import { readFileSync } from 'node:fs'
import type { RegistryDocument, RegistryEntry } from '../../src/contracts/index.ts'

const ENVELOPE_SCHEMA = JSON.parse(
  readFileSync(new URL('../../catalog/envelope.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>

type EntrySeed = Pick<RegistryEntry, 'type' | 'kind' | 'stored' | 'schema'> & {
  ordering?: 'session' | 'none'
  idempotencyKey?: string
}

function entry(seed: EntrySeed): RegistryEntry {
  return {
    type: seed.type,
    version: 1,
    kind: seed.kind,
    summary: `test type ${seed.type}`,
    producers: ['test'],
    consumers: ['test'],
    stored: seed.stored,
    channel: 'ops',
    ui: { render: 'json', icon: 'circle' },
    semantics: {
      delivery: 'at-least-once',
      ordering: seed.ordering ?? 'none',
      ...(seed.idempotencyKey === undefined ? {} : { idempotencyKey: seed.idempotencyKey }),
    },
    status: 'stable',
    aliases: [],
    origin: ['product'],
    schema: seed.schema,
    examples: [],
  }
}

function objectSchema(properties: Record<string, unknown>, required: string[]): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required, properties }
}

const text = { type: 'string', maxLength: 100000 }
const name = { type: 'string', minLength: 1, maxLength: 200 }
const count = { type: 'integer', minimum: 0 }

/** Entries: chat.* (stored, session-ordered), note.added (stored, unordered, idempotency field),
 * llm.token and voice.asr.partial (ephemeral), repo.skill.install (+ .result), and the bus.* events. */
export function testRegistry(): RegistryDocument {
  const entries = [
    entry({
      type: 'chat.query',
      kind: 'event',
      stored: true,
      ordering: 'session',
      schema: objectSchema({ text: { ...text, 'x-redact': 'hash' }, locale: { type: 'string' } }, ['text']),
    }),
    entry({
      type: 'chat.message',
      kind: 'event',
      stored: true,
      ordering: 'session',
      schema: objectSchema({ n: count }, ['n']),
    }),
    entry({
      type: 'note.added',
      kind: 'event',
      stored: true,
      idempotencyKey: 'noteId',
      schema: objectSchema({ n: count, noteId: name, title: text }, ['n']),
    }),
    entry({
      type: 'llm.token',
      kind: 'event',
      stored: false,
      schema: objectSchema({ n: count, text }, ['n']),
    }),
    entry({
      type: 'voice.asr.partial',
      kind: 'event',
      stored: false,
      schema: objectSchema({ n: count }, ['n']),
    }),
    entry({
      type: 'repo.skill.install',
      kind: 'command',
      stored: true,
      schema: objectSchema({ name }, ['name']),
    }),
    entry({
      type: 'repo.skill.install.result',
      kind: 'reply',
      stored: true,
      schema: objectSchema({ ok: { type: 'boolean' }, name, message: text }, ['ok', 'name']),
    }),
    entry({
      type: 'bus.dlq.moved',
      kind: 'event',
      stored: true,
      schema: objectSchema(
        {
          dlqId: count,
          consumer: name,
          seq: count,
          eventId: name,
          eventType: name,
          attempts: count,
          lastError: text,
        },
        ['dlqId', 'consumer', 'seq', 'eventId', 'eventType', 'attempts', 'lastError'],
      ),
    }),
    ...['bus.dlq.retried', 'bus.dlq.purged'].map((type) =>
      entry({
        type,
        kind: 'event',
        stored: true,
        schema: objectSchema({ dlqIds: { type: 'array', items: count }, count, consumer: name }, [
          'dlqIds',
          'count',
        ]),
      }),
    ),
    entry({
      type: 'bus.backpressure',
      kind: 'event',
      stored: true,
      schema: objectSchema(
        {
          subscription: name,
          pattern: name,
          eventType: name,
          dropped: count,
          queueDepth: count,
          limit: count,
          blockedMs: count,
        },
        ['subscription', 'pattern', 'eventType', 'dropped', 'queueDepth', 'limit'],
      ),
    }),
  ]
  return {
    catalogVersion: 'test',
    envelope: ENVELOPE_SCHEMA,
    result: {},
    hubManifest: {},
    entries,
  }
}
