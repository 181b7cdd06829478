import { HubError } from '../../contracts/index.ts'

// One reading of a client's text message for the pipeline WebSocket entries (/ws/voice, its
// /listen, generic `kernel.ws:` routes), so each refuses the same faults with the same words,
// naming what was wrong: not JSON, not an object, no string `type`, a payload that is not an
// object (decision 2085).

export interface ClientMessage {
  type: string
  /** The payload as sent (undefined when absent). */
  payload: unknown
  /** The whole parsed message, for routes that read more fields (`severity`). */
  fields: Readonly<Record<string, unknown>>
}

/** What a JSON value is, for a message that says what it got. */
function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

/**
 * Parses a text message as `{type, payload}`. With `objectPayload`, the payload must be a JSON
 * object (or absent). Refusals are E_VALIDATION with `details: {path, expected, got}`.
 */
export function parseClientMessage(text: string, options: { objectPayload: boolean }): ClientMessage {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw invalid(
      '',
      'a JSON envelope {type, payload}',
      'text that is not JSON',
      'a text frame is a JSON envelope {type, payload}: this one is not JSON',
    )
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid(
      '',
      'a JSON object',
      kindOf(value),
      `a message is a JSON object {type, payload}, not ${kindOf(value)}`,
    )
  const fields = value as Record<string, unknown>
  // An own `__proto__` key from JSON.parse is data, never read as the prototype: `type` and
  // `payload` are read as own properties only.
  const type = Object.hasOwn(fields, 'type') ? fields.type : undefined
  if (typeof type !== 'string' || type === '')
    throw invalid(
      '/type',
      'a non-empty string',
      type === undefined ? 'nothing' : kindOf(type),
      type === undefined
        ? 'a message needs a string type'
        : `a message's type is a string, not ${kindOf(type)}`,
    )
  const payload = Object.hasOwn(fields, 'payload') ? fields.payload : undefined
  if (options.objectPayload && payload !== undefined) {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
      throw invalid(
        '/payload',
        'a JSON object',
        kindOf(payload),
        `${type} payload is a JSON object, not ${kindOf(payload)}`,
      )
  }
  return { type, payload, fields }
}

function invalid(path: string, expected: string, got: string, message: string): HubError {
  return new HubError('E_VALIDATION', message, { details: { path, expected, got } })
}
