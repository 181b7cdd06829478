// Payload schemas with the awkward cases the generators must survive: dotted and underscored
// type names, Python keywords and private-looking field names, $ref/$defs (also recursive),
// nested objects, arrays of objects, unions, nullable fields, open maps and a non-object root.
import type { FixtureEntry } from '../../test/kit/catalog-fixture.ts'

const base = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
}

export const TRICKY_ENTRIES: FixtureEntry[] = [
  {
    type: 'mail.message_thread.received',
    schema: {
      ...base,
      title: 'MailThread',
      description: 'A thread with """quotes""" and a \\ backslash */ in its description.',
      required: ['from', 'class', 'participants', 'root'],
      properties: {
        from: { type: 'string', maxLength: 200, description: 'Sender; a Python keyword as a field name.' },
        class: { enum: ['inbox', 'spam'] },
        _private: { type: 'string', 'x-redact': 'hash' },
        'content-type': { type: 'string' },
        json: { type: 'boolean' },
        model_name: { type: 'string' },
        participants: { type: 'array', maxItems: 5, items: { $ref: '#/$defs/person' } },
        root: { $ref: '#/$defs/node' },
        meta: { type: 'object', additionalProperties: { type: 'integer' } },
        score: { type: ['number', 'null'], minimum: 0 },
        mode: { oneOf: [{ const: 'auto' }, { type: 'integer', minimum: 1 }] },
        nested: {
          type: 'object',
          additionalProperties: false,
          properties: {
            deeper: { type: 'object', additionalProperties: false, properties: { leaf: { const: true } } },
          },
        },
        sent: { type: 'string', format: 'date-time' },
      },
      $defs: {
        person: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1 },
            address: { type: 'string', pattern: '^[^@]+@[^@]+$' },
          },
        },
        node: {
          type: 'object',
          additionalProperties: false,
          required: ['label'],
          properties: {
            label: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
        },
      },
    },
    examples: [
      {
        from: 'ann@example.org',
        class: 'inbox',
        _private: 'p',
        'content-type': 'text/plain',
        json: true,
        model_name: 'm',
        participants: [{ name: 'Ann', address: 'ann@example.org' }],
        root: { label: 'a', children: [{ label: 'b', children: [] }] },
        meta: { size: 3 },
        score: null,
        mode: 'auto',
        nested: { deeper: { leaf: true } },
        sent: '2026-01-01T12:00:00Z',
      },
    ],
    invalid: [
      { from: 'a', class: 'other', participants: [], root: { label: 'x' } },
      { from: 'a', class: 'inbox', participants: [{ name: '' }], root: { label: 'x' } },
      { from: 'a', class: 'inbox', participants: [], root: { label: 'x', children: [{}] } },
      { from: 'a', class: 'inbox', participants: [], root: { label: 'x' }, sent: 'yesterday' },
    ],
  },
  {
    type: 'mail_message.thread_received',
    schema: {
      ...base,
      title: 'Collide',
      description: 'Its PascalCase name collides with the entry above.',
      properties: {},
    },
    examples: [{}],
    invalid: [{ extra: 1 }],
  },
  {
    type: 'job.run',
    kind: 'command',
    schema: {
      ...base,
      title: 'JobRun',
      description: 'Run a job.',
      required: ['job'],
      properties: { job: { type: 'string' } },
    },
    examples: [{ job: 'backup' }],
    invalid: [{}],
  },
  {
    type: 'job.run.result',
    kind: 'reply',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'JobRunResult',
      description: 'A non-object root: a union of result envelopes.',
      type: 'object',
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
          properties: { ok: { const: false }, error: { type: 'string' } },
        },
      ],
    },
    examples: [{ ok: true, data: {} }],
    invalid: [{ ok: true }],
  },
  {
    type: 'job.run',
    version: 2,
    kind: 'command',
    schema: {
      ...base,
      title: 'JobRunV2',
      description: 'Run a job, v2.',
      required: ['jobId'],
      properties: { jobId: { type: 'integer' } },
    },
    examples: [{ jobId: 7 }],
    invalid: [{ jobId: 'x' }],
  },
  {
    type: 'job.run.result',
    version: 2,
    kind: 'reply',
    schema: {
      ...base,
      title: 'JobRunResultV2',
      description: 'v2 reply.',
      required: ['ok'],
      properties: { ok: { type: 'boolean' } },
    },
    examples: [{ ok: true }],
    invalid: [{}],
  },
]
