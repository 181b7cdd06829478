// Schemas of the kernel server's own routes (/chat, /events, /, /health, /sessions, /metrics). The
// hand checks in the handlers stay for what JSON Schema cannot say (lone surrogates, blank text,
// since-or-from); everything else is refused here, before a handler runs.
import {
  ERROR_ENVELOPE_SCHEMA,
  ERROR_RESPONSES,
  envelopeResponses,
  okEnvelopeSchema,
} from '../../contracts/index.ts'
import type { RouteSchema } from './route-validation.ts'

const SESSION_ID = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } as const

/** A stored event envelope as the log and replay carry it (the catalog's envelope, loosely). */
const ENVELOPE = {
  type: 'object',
  required: ['id', 'type', 'ts', 'payload'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    version: { type: 'integer' },
    ts: { type: 'string' },
    seq: { type: 'integer' },
    source: { type: 'string' },
    sessionId: { type: 'string' },
    traceId: { type: 'string' },
    payload: {},
  },
} as const

export const CHAT_SCHEMA: RouteSchema = {
  summary: 'One chat turn: a whole answer, or Server-Sent Events with stream: true',
  tags: ['chat'],
  body: {
    type: 'object',
    required: ['text'],
    additionalProperties: false,
    properties: {
      text: { type: 'string', minLength: 1 },
      sessionId: SESSION_ID,
      stream: { type: 'boolean' },
    },
  },
  responses: {
    200: {
      description: 'the answer (JSON), or its parts as text/event-stream when stream is true',
      content: {
        'application/json': {
          schema: okEnvelopeSchema({
            type: 'object',
            required: ['text'],
            properties: { text: { type: 'string' }, chunks: { type: 'integer' } },
          }),
        },
        'text/event-stream': { schema: { type: 'string' } },
      },
    },
    ...ERROR_RESPONSES,
  },
}

const TEXT_PARAMETER = { type: 'string' } as const

/** GET /events: every parameter is parsed by event-query.ts, which says exactly what is wrong. */
export const REPLAY_SCHEMA: RouteSchema = {
  summary: 'Replay stored events (JSON, or NDJSON with Accept: application/x-ndjson)',
  tags: ['events'],
  querystring: {
    type: 'object',
    properties: {
      from: { ...TEXT_PARAMETER, description: 'seq or RFC 3339 time to start at (inclusive)' },
      to: { ...TEXT_PARAMETER, description: 'seq or RFC 3339 time to end at (inclusive)' },
      filter: { ...TEXT_PARAMETER, description: 'type filter, e.g. chat.* (alias: type)' },
      type: TEXT_PARAMETER,
      traceId: TEXT_PARAMETER,
      sessionId: TEXT_PARAMETER,
      source: TEXT_PARAMETER,
      since: { ...TEXT_PARAMETER, description: 'RFC 3339 time' },
      until: { ...TEXT_PARAMETER, description: 'RFC 3339 time' },
      limit: { ...TEXT_PARAMETER, pattern: '^[0-9]+$', description: '1 to 10000' },
      scope: { enum: ['hub', 'federation'] },
    },
  },
  responses: {
    200: {
      description: 'the events, oldest first',
      content: {
        'application/json': { schema: okEnvelopeSchema({ type: 'array', items: ENVELOPE }) },
        'application/x-ndjson': { schema: { type: 'string' } },
      },
    },
    ...ERROR_RESPONSES,
  },
}

const RECEIPT = {
  type: 'object',
  required: ['ok'],
  properties: { ok: { type: 'boolean' }, data: { type: 'object' }, error: { type: 'object' } },
} as const

/**
 * POST /events takes raw bytes (the dialect layer reads them), so the body is documented here, not
 * validated by Fastify: `x-documented-body` is read by the OpenAPI builder only.
 */
export const INGEST_SCHEMA: RouteSchema = {
  summary: 'Publish events: one event (any dialect, CloudEvents binary or structured) or NDJSON lines',
  tags: ['events'],
  querystring: {
    type: 'object',
    properties: {
      receipts: { enum: ['lines', 'summary'] },
      dialect: {
        ...TEXT_PARAMETER,
        description: 'auto (default), canonical, pinchy, adaos, denis or cloudevents',
      },
    },
  },
  'x-documented-body': {
    required: true,
    content: {
      'application/json': { schema: { type: 'object', description: 'one event in a supported dialect' } },
      'application/cloudevents+json': { schema: { type: 'object' } },
      'application/x-ndjson': { schema: { type: 'string', description: 'one event per line' } },
    },
  },
  responses: {
    200: {
      description: 'one receipt (JSON) or one receipt per line (NDJSON)',
      content: {
        'application/json': { schema: RECEIPT },
        'application/x-ndjson': { schema: { type: 'string' } },
      },
    },
    ...ERROR_RESPONSES,
  },
}

export const ROOT_SCHEMA: RouteSchema = {
  summary: 'What this server is (the dashboard answers instead when the client accepts HTML)',
  tags: ['info'],
  responses: envelopeResponses({
    type: 'object',
    required: ['name', 'version', 'routes'],
    properties: {
      name: { type: 'string' },
      version: { type: 'string' },
      routes: { type: 'array', items: { type: 'string' } },
    },
  }),
}

export const HEALTH_SCHEMA: RouteSchema = {
  summary: 'Health: only the verdict without a token, the whole report with one',
  tags: ['info'],
  responses: envelopeResponses({
    type: 'object',
    required: ['status'],
    properties: {
      status: { enum: ['ok', 'degraded'] },
      skills: { type: 'array' },
      version: { type: 'string' },
    },
  }),
}

export const SESSIONS_SCHEMA: RouteSchema = {
  summary: 'Sessions the hub knows',
  tags: ['info'],
  responses: envelopeResponses({
    type: 'array',
    items: { type: 'object', required: ['sessionId'], properties: { sessionId: { type: 'string' } } },
  }),
}

export const METRICS_SCHEMA: RouteSchema = {
  summary: 'Prometheus metrics (text exposition format)',
  tags: ['info'],
  produces: ['text/plain'],
  responses: { 200: { type: 'string' }, ...ERROR_RESPONSES },
}

export const STATIC_FILE_SCHEMA: RouteSchema = {
  summary: 'A file of the built dashboard (public, cached)',
  tags: ['dashboard'],
  produces: ['*/*'],
  responses: { 200: {}, 404: ERROR_ENVELOPE_SCHEMA },
}
