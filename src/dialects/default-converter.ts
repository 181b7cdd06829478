import type { Envelope } from '../contracts/index.ts'
import type { HttpBinaryMessage } from './cloudevents-http.ts'
import { createDialectConverter, type DialectConverter } from './converter.ts'
import type { HttpEventRequest, HttpEventResult } from './http.ts'
import type { DialectName, JsonObject } from './types.ts'

// Convenience functions over one lazily made converter with default options. It holds only
// compiled schemas (immutable); code that needs a clock or limits makes its own converter.
let shared: DialectConverter | undefined
const converter = (): DialectConverter => {
  shared ??= createDialectConverter()
  return shared
}

export function toCanonical(dialect: DialectName | 'auto', input: unknown): Envelope {
  return converter().toCanonical(dialect, input)
}

export function fromCanonical(dialect: DialectName, envelope: unknown): JsonObject {
  return converter().fromCanonical(dialect, envelope)
}

export function fromHttpRequest(request: HttpEventRequest): HttpEventResult {
  return converter().fromHttpRequest(request)
}

export function toHttpBinary(envelope: unknown): HttpBinaryMessage {
  return converter().toHttpBinary(envelope)
}
