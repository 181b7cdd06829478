import { DEFAULT_MAX_DEPTH, type Envelope, HubError } from '../contracts/index.ts'
import { adaosCodec } from './adaos.ts'
import { canonicalCodec } from './canonical.ts'
import { cloudEventsCodec } from './cloudevents.ts'
import { type HttpBinaryMessage, structuredToBinary } from './cloudevents-http.ts'
import { denisCodec } from './denis.ts'
import { type DetectedDialect, detectDialect } from './detect.ts'
import {
  convertHttpRequest,
  DEFAULT_MAX_BODY_BYTES,
  type HttpEventRequest,
  type HttpEventResult,
} from './http.ts'
import { invalid, reject } from './issues.ts'
import { assertJsonTree, isPlainObject } from './json-guard.ts'
import { pinchyCodec } from './pinchy.ts'
import { createSchemaSet } from './schemas.ts'
import {
  type CodecContext,
  DIALECTS,
  type DialectCodec,
  type DialectName,
  isDialectName,
  type JsonObject,
} from './types.ts'

export interface DialectConverterOptions {
  /** Clock for canonical `ts` when a foreign event has no time (CloudEvents `time` is optional). */
  now?: () => Date
  /** Deepest nesting accepted in an input event. */
  maxDepth?: number
  /** Largest HTTP body fromHttpRequest accepts. */
  maxBodyBytes?: number
}

export const DEFAULT_DIALECT_MAX_DEPTH = DEFAULT_MAX_DEPTH

export interface DialectConverter {
  readonly options: Readonly<Required<DialectConverterOptions>>
  /** Foreign event -> canonical envelope (validated on both sides). */
  toCanonical(dialect: DialectName | 'auto', input: unknown): Envelope
  /** Canonical envelope -> foreign event (validated on both sides). */
  fromCanonical(dialect: DialectName, envelope: unknown): JsonObject
  detect(input: unknown): DetectedDialect
  /** POST /events: any dialect, named by dialectHint or content type, CloudEvents binary or structured. */
  fromHttpRequest(request: HttpEventRequest): HttpEventResult
  /** Canonical envelope -> CloudEvents HTTP binary mode (ce-* headers, JSON body). */
  toHttpBinary(envelope: unknown): HttpBinaryMessage
}

const CODECS: Readonly<Record<DialectName, DialectCodec>> = Object.freeze({
  canonical: canonicalCodec,
  pinchy: pinchyCodec,
  adaos: adaosCodec,
  denis: denisCodec,
  cloudevents: cloudEventsCodec,
})

function codecOf(dialect: unknown): DialectCodec {
  if (!isDialectName(dialect)) {
    throw new HubError(
      'E_BAD_REQUEST',
      `unknown dialect ${JSON.stringify(String(dialect))}; one of ${DIALECTS.join(', ')}`,
    )
  }
  return CODECS[dialect]
}

function guard(input: unknown, maxDepth: number): JsonObject {
  if (!isPlainObject(input)) reject('', 'a JSON object', input)
  assertJsonTree(input, maxDepth)
  return input
}

/** Compiles schemas lazily, once per converter; the converter itself holds no other state. */
export function createDialectConverter(options: DialectConverterOptions = {}): DialectConverter {
  const settings = Object.freeze({
    now: () => new Date(),
    maxDepth: DEFAULT_DIALECT_MAX_DEPTH,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    ...options,
  })
  for (const [name, value] of [
    ['maxDepth', settings.maxDepth],
    ['maxBodyBytes', settings.maxBodyBytes],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new HubError('E_BAD_REQUEST', `${name} must be a positive integer`)
  }
  const context: CodecContext = Object.freeze({ schemas: createSchemaSet(), now: settings.now })

  const validateCanonical = (envelope: unknown, message: string): Envelope => {
    const issues = context.schemas.validate('canonical', envelope)
    if (issues.length > 0) throw invalid(message, issues)
    return envelope as Envelope
  }

  const toCanonical = (dialect: DialectName | 'auto', input: unknown): Envelope => {
    const object = guard(input, settings.maxDepth)
    let name: DialectName | 'auto' = dialect
    if (name === 'auto') {
      const detected = detectDialect(object)
      if (detected.dialect === 'unknown') {
        throw new HubError('E_BAD_REQUEST', `cannot tell the dialect: ${detected.reason}`)
      }
      name = detected.dialect
    }
    const codec = codecOf(name)
    if (codec.name === 'canonical') {
      return codec.toCanonical(
        validateCanonical(object, 'not a valid canonical envelope') as unknown as JsonObject,
        context,
      )
    }
    return validateCanonical(
      codec.toCanonical(object, context),
      `the ${codec.name} event has no valid canonical form`,
    )
  }
  const fromCanonical = (dialect: DialectName, envelope: unknown): JsonObject => {
    const codec = codecOf(dialect)
    const valid = validateCanonical(guard(envelope, settings.maxDepth), 'not a valid canonical envelope')
    const output = codec.fromCanonical(valid, context)
    if (codec.name !== 'canonical') {
      const issues = context.schemas.validate(codec.name, output)
      if (issues.length > 0) throw invalid(`the envelope cannot be expressed as ${codec.name}`, issues)
    }
    return output
  }

  return Object.freeze({
    options: settings,
    detect: (input: unknown) => detectDialect(input),
    toCanonical,
    fromCanonical,
    fromHttpRequest: (request: HttpEventRequest) =>
      convertHttpRequest(toCanonical, request, { maxBodyBytes: settings.maxBodyBytes }),
    toHttpBinary: (envelope: unknown) => structuredToBinary(fromCanonical('cloudevents', envelope)),
  })
}
