// Schemas of the hub's routes (runs, dead letters, tools, approvals, ledger, doctor): Fastify refuses
// what breaks them with the hub's envelope before a handler runs; the OpenAPI document shows them.
import { ERROR_RESPONSES, envelopeResponses, type HttpRouteSchema } from '../../contracts/index.ts'

const NON_EMPTY = { type: 'string', minLength: 1 } as const
const WHOLE_NUMBER_TEXT = { type: 'integer', minimum: 1 } as const

export const RUNS_SCHEMA: HttpRouteSchema = {
  summary: 'Pipeline runs in progress',
  tags: ['runs'],
  responses: envelopeResponses({
    type: 'array',
    items: {
      type: 'object',
      required: ['pipelineId', 'traceId', 'trigger', 'startedAt'],
      properties: {
        pipelineId: { type: 'string' },
        traceId: { type: 'string' },
        sessionId: { type: 'string' },
        trigger: { type: 'string' },
        startedAt: { type: 'string' },
      },
    },
  }),
}

export const CANCEL_RUN_SCHEMA: HttpRouteSchema = {
  summary: 'Cancel the runs of a trace or a session',
  tags: ['runs'],
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { traceId: NON_EMPTY, sessionId: NON_EMPTY },
  },
  responses: envelopeResponses({
    type: 'object',
    required: ['cancelled'],
    properties: { cancelled: { type: 'integer' } },
  }),
}

export const DEAD_LETTERS_SCHEMA: HttpRouteSchema = {
  summary: 'Dead letters (newest first)',
  tags: ['dlq'],
  querystring: {
    type: 'object',
    properties: { consumer: NON_EMPTY, limit: WHOLE_NUMBER_TEXT },
  },
  responses: envelopeResponses({ type: 'array', items: { type: 'object' } }),
}

export function deadLetterActionSchema(verb: 'retry' | 'purge'): HttpRouteSchema {
  return {
    summary: `${verb === 'retry' ? 'Retry' : 'Purge'} dead letters by ids and/or consumer`,
    tags: ['dlq'],
    body: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        ids: { type: 'array', items: { type: 'integer', minimum: 1 } },
        consumer: { type: 'string' },
      },
    },
    responses: envelopeResponses({ type: 'object' }),
  }
}

export const TOOLS_SCHEMA: HttpRouteSchema = {
  summary: 'The tools the hub offers, with their parameter schemas',
  tags: ['tools'],
  responses: envelopeResponses({ type: 'array', items: { type: 'object', required: ['name'] } }),
}

export const CALL_TOOL_SCHEMA: HttpRouteSchema = {
  summary: 'Call a tool (approval may be required first)',
  tags: ['tools'],
  params: { type: 'object', required: ['name'], properties: { name: NON_EMPTY } },
  body: {
    'x-optional': true,
    type: 'object',
    additionalProperties: false,
    properties: {
      params: { type: 'object' },
      sessionId: { type: 'string' },
      traceId: { type: 'string' },
    },
  },
  responses: envelopeResponses({ type: 'object' }),
}

/**
 * The approvals API (src/approvals) dispatches its own sub-paths and checks its own bodies; the
 * document lists the prefix routes with a free-form body.
 */
export const APPROVALS_SCHEMA: HttpRouteSchema = {
  summary:
    'Approvals, grants and consent (GET /approvals, POST /approvals/{id}/approve|deny|cancel, GET|POST /grants, DELETE /grants/{id}, POST /consent/revoke)',
  tags: ['approvals'],
  responses: { '2xx': { type: 'object', required: ['ok'] }, ...ERROR_RESPONSES },
}

/**
 * The query parameters each approvals prefix reads (src/approvals/http-api.ts): any other name, a
 * repeated one or `all=yes` is refused here with the parameter named (decision 2071), where the
 * handler read them loosely (`all=yes` meant false, a repeated sessionId was ignored).
 */
const APPROVALS_QUERIES: Readonly<Record<'approvals' | 'grants' | 'consent', Record<string, unknown>>> = {
  approvals: {
    type: 'object',
    properties: {
      status: { ...NON_EMPTY, description: 'open (default), all, or one status' },
      limit: { type: 'integer', description: '1 to 1000' },
    },
  },
  grants: {
    type: 'object',
    properties: {
      all: { enum: ['true', '1', 'false', '0'], description: 'GET: expired and revoked grants too' },
      sessionId: NON_EMPTY,
      reason: { type: 'string', description: 'DELETE: why the grant is revoked' },
    },
  },
  consent: { type: 'object', properties: {} },
}

/** APPROVALS_SCHEMA with the query parameters of one prefix (`/approvals`, `/grants`, `/consent`). */
export function approvalsSchema(prefix: keyof typeof APPROVALS_QUERIES): HttpRouteSchema {
  return { ...APPROVALS_SCHEMA, querystring: APPROVALS_QUERIES[prefix] }
}

export const LEDGER_SCHEMA: HttpRouteSchema = {
  summary: 'The action ledger: what was done, by whom, approved by whom',
  tags: ['ledger'],
  querystring: {
    type: 'object',
    properties: {
      traceId: NON_EMPTY,
      from: { type: 'integer', minimum: 0 },
      limit: { type: 'integer', minimum: 0 },
    },
  },
  responses: envelopeResponses({ type: 'array', items: { type: 'object' } }),
}

export const LEDGER_VERIFY_SCHEMA: HttpRouteSchema = {
  summary: "Verify the ledger's hash chain",
  tags: ['ledger'],
  responses: envelopeResponses({ type: 'object' }),
}

export const DOCTOR_SCHEMA: HttpRouteSchema = {
  summary: 'The checks of `localhub doctor`, run by this hub',
  tags: ['doctor'],
  responses: envelopeResponses({
    type: 'object',
    required: ['dataDir'],
    properties: { dataDir: { type: 'string' } },
  }),
}
