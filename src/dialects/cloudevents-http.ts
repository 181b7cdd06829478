import { HubError } from '../contracts/index.ts'
import { INTEGER_EXTENSIONS } from './cloudevents.ts'
import { compact } from './json-guard.ts'
import type { JsonObject } from './types.ts'

export const CE_HEADER_PREFIX = 'ce-'
const EXTENSION_NAME = /^[a-z0-9]{1,64}$/
const INTEGER_TEXT = /^[1-9][0-9]{0,15}$/
// Ordered as a structured event is, so headers -> structured -> headers keeps the order.
const HEAD_ORDER = ['specversion', 'id', 'source', 'type', 'datacontenttype', 'dataschema', 'subject', 'time']

export interface HttpBinaryMessage {
  headers: Record<string, string>
  body: string
}

/**
 * CloudEvents HTTP binding, section 3.1.3.2: space, double quote, percent and everything outside
 * printable ASCII are percent-encoded as UTF-8 in ce-* header values.
 */
export function encodeHeaderValue(value: string): string {
  let out = ''
  for (const character of value) {
    const code = character.codePointAt(0)!
    if (code > 0x20 && code < 0x7f && character !== '"' && character !== '%') out += character
    else {
      for (const byte of new TextEncoder().encode(character))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
    }
  }
  return out
}

export function decodeHeaderValue(value: string, name: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch (cause) {
    throw new HubError('E_BAD_REQUEST', `header ${name} has a malformed percent-encoding`, { cause })
  }
}

/** A structured CloudEvent (as cloudEventsCodec writes it) as binary-mode HTTP headers and body. */
export function structuredToBinary(event: JsonObject): HttpBinaryMessage {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data') continue
    const text = encodeHeaderValue(String(value))
    if (name === 'datacontenttype') headers['content-type'] = text
    else headers[CE_HEADER_PREFIX + name] = text
  }
  return { headers, body: event.data === undefined ? '' : JSON.stringify(event.data) }
}

function headerText(value: unknown, name: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value) && value.every((part) => typeof part === 'string')) return value.join(', ')
  throw new HubError('E_BAD_REQUEST', `header ${name} is not text`)
}

/** Whether the headers carry a binary-mode CloudEvent. */
export function hasBinaryCloudEvent(headers: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(headers).some(
    (name) => name.toLowerCase() === 'ce-specversion' || name.toLowerCase() === 'ce-id',
  )
}

/**
 * Binary-mode headers and body back into a structured event. The hub's integer extensions come
 * back as integers; other extensions stay strings, as binary mode cannot tell.
 */
export function binaryToStructured(
  headers: Readonly<Record<string, unknown>>,
  data: unknown,
  contentType: string | undefined,
): JsonObject {
  const attributes: [string, unknown][] = []
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.toLowerCase()
    const value = headerText(rawValue, name)
    if (!name.startsWith(CE_HEADER_PREFIX) || value === undefined) continue
    const attribute = name.slice(CE_HEADER_PREFIX.length)
    if (!EXTENSION_NAME.test(attribute) || attribute === 'data' || attribute === 'datacontenttype') {
      throw new HubError(
        'E_BAD_REQUEST',
        `header ${name} names no CloudEvents attribute (lowercase letters and digits)`,
      )
    }
    const decoded = decodeHeaderValue(value, name)
    attributes.push([
      attribute,
      INTEGER_EXTENSIONS.includes(attribute) && INTEGER_TEXT.test(decoded) ? Number(decoded) : decoded,
    ])
  }
  const byName = new Map(attributes)
  if (contentType !== undefined) byName.set('datacontenttype', contentType)
  const head = HEAD_ORDER.map((name): [string, unknown] => [name, byName.get(name)])
  const tail = attributes.filter(([name]) => !HEAD_ORDER.includes(name))
  return compact([...head, ...tail, ['data', data]])
}
