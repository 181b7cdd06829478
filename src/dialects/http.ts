import { DEFAULT_MAX_ENVELOPE_BYTES, type Envelope, HubError } from '../contracts/index.ts'
import { binaryToStructured, hasBinaryCloudEvent } from './cloudevents-http.ts'
import { detectDialect } from './detect.ts'
import { DIALECTS, type DialectName, isDialectName } from './types.ts'

/** Largest request body accepted, in bytes. */
export const DEFAULT_MAX_BODY_BYTES = DEFAULT_MAX_ENVELOPE_BYTES

/** Media types that name a dialect (parameters such as charset are ignored). */
export const DIALECT_CONTENT_TYPES: Readonly<Record<string, DialectName>> = Object.freeze({
  'application/cloudevents+json': 'cloudevents',
  'application/vnd.pinchy.v1+json': 'pinchy',
  'application/vnd.pinchy+json': 'pinchy',
  'application/vnd.adaos.event+json': 'adaos',
  'application/vnd.denis.event+json': 'denis',
  'application/vnd.localhub.envelope+json': 'canonical',
})
const PLAIN_JSON_TYPES = new Set(['application/json', 'text/json'])

export interface HttpEventRequest {
  /** Request headers as Node gives them (any case; values string or string[]). */
  headers: Readonly<Record<string, unknown>>
  /** Raw body (string or bytes), or an already parsed JSON value. */
  body: unknown
  /** Overrides the content-type header. */
  contentType?: string
  /** An explicit dialect, e.g. from ?dialect=; 'auto' or absent means detect. */
  dialectHint?: string
}

export interface HttpEventResult {
  dialect: DialectName
  /** binary: CloudEvents HTTP binary mode (ce-* headers); body: the whole event was the body. */
  mode: 'binary' | 'body'
  envelope: Envelope
}

export interface HttpConversionOptions {
  maxBodyBytes?: number
}

type ToCanonical = (dialect: DialectName | 'auto', input: unknown) => Envelope

function headerOf(headers: HttpEventRequest['headers'], wanted: string): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== wanted) continue
    if (typeof value === 'string') return value
    if (Array.isArray(value) && value.every((part) => typeof part === 'string')) return value.join(', ')
    if (value !== undefined) throw new HubError('E_BAD_REQUEST', `header ${wanted} is not text`)
  }
  return undefined
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined
}

function parseBody(body: unknown, maxBodyBytes: number): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  if (size > maxBodyBytes) {
    throw new HubError(
      'E_RESOURCE_LIMIT',
      `request body is ${size} bytes; at most ${maxBodyBytes} are accepted`,
    )
  }
  let text: string
  try {
    text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body)
  } catch (cause) {
    throw new HubError('E_BAD_REQUEST', 'request body is not UTF-8 text', { cause })
  }
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new HubError('E_BAD_REQUEST', `request body is not JSON: ${(cause as Error).message}`, { cause })
  }
}

/**
 * Turns a POST /events request into a canonical envelope. The dialect comes from, in order:
 * dialectHint, a dialect media type, ce-* headers (CloudEvents binary mode), the body's shape.
 */
export function convertHttpRequest(
  toCanonical: ToCanonical,
  request: HttpEventRequest,
  options: HttpConversionOptions = {},
): HttpEventResult {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  if (
    request === null ||
    typeof request !== 'object' ||
    request.headers === null ||
    typeof request.headers !== 'object'
  ) {
    throw new HubError('E_BAD_REQUEST', 'a request needs a headers object')
  }
  const contentType = request.contentType ?? headerOf(request.headers, 'content-type')
  const mediaType = mediaTypeOf(contentType)
  const hint = request.dialectHint === 'auto' || request.dialectHint === '' ? undefined : request.dialectHint
  if (hint !== undefined && !isDialectName(hint)) {
    throw new HubError(
      'E_BAD_REQUEST',
      `unknown dialect ${JSON.stringify(hint)}; one of ${DIALECTS.join(', ')} or auto`,
    )
  }
  if (mediaType === 'application/cloudevents-batch+json') {
    throw new HubError('E_BAD_REQUEST', 'CloudEvents batches are not accepted; send one event per request')
  }
  const named = mediaType === undefined ? undefined : DIALECT_CONTENT_TYPES[mediaType]
  if (hint !== undefined && named !== undefined && hint !== named) {
    throw new HubError('E_BAD_REQUEST', `dialect ${hint} contradicts content type ${mediaType} (${named})`)
  }
  const binary = named === undefined && hasBinaryCloudEvent(request.headers)
  if (binary && hint !== undefined && hint !== 'cloudevents') {
    throw new HubError(
      'E_BAD_REQUEST',
      `dialect ${hint} contradicts the ce-* headers of a binary-mode CloudEvent`,
    )
  }
  if (!binary && named === undefined && mediaType !== undefined && !PLAIN_JSON_TYPES.has(mediaType)) {
    const accepted = [...PLAIN_JSON_TYPES, ...Object.keys(DIALECT_CONTENT_TYPES)].join(', ')
    throw new HubError('E_BAD_REQUEST', `content type ${mediaType} is not accepted; one of ${accepted}`)
  }
  const body = parseBody(request.body, maxBodyBytes)
  if (binary) {
    const event = binaryToStructured(request.headers, body, contentType)
    return { dialect: 'cloudevents', mode: 'binary', envelope: toCanonical('cloudevents', event) }
  }
  if (body === undefined) throw new HubError('E_BAD_REQUEST', 'request body is empty')
  const dialect = hint ?? named ?? 'auto'
  const envelope = toCanonical(dialect, body)
  const resolved = dialect === 'auto' ? detectDialect(body).dialect : dialect
  return { dialect: resolved === 'unknown' ? 'canonical' : resolved, mode: 'body', envelope }
}
