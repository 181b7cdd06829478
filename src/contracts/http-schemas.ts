// JSON Schema fragments (2020-12, what OpenAPI 3.1 speaks) for the result envelope every HTTP route
// answers with. Routes use them in their Fastify schemas; the OpenAPI document names them once
// (components) because it finds these exact objects by identity.

import { ERROR_CODES } from './error-codes.ts'
export type JsonSchema = Readonly<Record<string, unknown>>

/** One validation issue: JSON pointer, what was expected, what was there. */
export const VALIDATION_ISSUE_SCHEMA: JsonSchema = Object.freeze({
  type: 'object',
  required: ['path', 'expected', 'got', 'message'],
  properties: {
    path: { type: 'string', description: 'JSON pointer (RFC 6901) into the refused part; "" is all of it' },
    expected: { type: 'string' },
    got: { type: 'string' },
    message: { type: 'string' },
  },
})

/** `{ok: false, error: {code, message, details?}}`: every refusal and failure of the hub's own routes. */
export const ERROR_ENVELOPE_SCHEMA: JsonSchema = Object.freeze({
  type: 'object',
  required: ['ok', 'error'],
  additionalProperties: false,
  properties: {
    ok: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { enum: [...ERROR_CODES] },
        message: { type: 'string' },
        details: {
          type: 'object',
          properties: {
            in: { enum: ['body', 'querystring', 'params', 'headers'] },
            issues: { type: 'array', items: VALIDATION_ISSUE_SCHEMA },
          },
        },
      },
    },
  },
})

/** `{ok: true, data}` with `data` described by `data`. */
export function okEnvelopeSchema(data: JsonSchema = {}): JsonSchema {
  return {
    type: 'object',
    required: ['ok', 'data'],
    additionalProperties: false,
    properties: { ok: { const: true }, data },
  }
}

/** The error answers most routes can give: refused input, missing token, and failures. */
export const ERROR_RESPONSES = Object.freeze({
  '4xx': ERROR_ENVELOPE_SCHEMA,
  '5xx': ERROR_ENVELOPE_SCHEMA,
})

/** Response schemas: `200` is `{ok: true, data}` and errors are the envelope. */
export function envelopeResponses(data: JsonSchema = {}): Record<string, JsonSchema> {
  return { 200: okEnvelopeSchema(data), ...ERROR_RESPONSES }
}

/** A route's schema: what Fastify validates (body, querystring, params) plus what OpenAPI says of it. */
export interface HttpRouteSchema {
  summary?: string
  description?: string
  tags?: string[]
  /** Left out of the OpenAPI document. */
  hide?: boolean
  /** Content types of the success answer (default application/json). */
  produces?: string[]
  /** Content types of the body (default application/json). */
  consumes?: string[]
  body?: JsonSchema
  querystring?: JsonSchema
  params?: JsonSchema
  /**
   * Answers by status ('200', '4xx', …): documentation that the contract test checks. Not Fastify's
   * `response`, on purpose: that one reshapes answers through fast-json-stringify (decision 1912).
   */
  responses?: Record<string, unknown>
  /** The body of a route that reads raw bytes: documented, never validated by Fastify. */
  'x-documented-body'?: unknown
}
