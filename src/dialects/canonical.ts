import type { Envelope } from '../contracts/index.ts'
import { orderEnvelope } from './canonical-fields.ts'
import type { DialectCodec, JsonObject } from './types.ts'

// The canonical dialect is the identity; the converter validates on the way in and out, and the
// copy puts fields in canonical order.
export const canonicalCodec: DialectCodec = Object.freeze({
  name: 'canonical',
  toCanonical: (input: JsonObject): Envelope =>
    orderEnvelope(input as Partial<Record<keyof Envelope, unknown>>),
  fromCanonical: (envelope: Envelope): JsonObject => orderEnvelope(envelope) as unknown as JsonObject,
})
