import type { Envelope } from '../contracts/index.ts'
import type { SchemaSet } from './schemas.ts'

/** Every envelope format the hub converts, canonical included. */
export const DIALECTS = ['canonical', 'pinchy', 'adaos', 'denis', 'cloudevents'] as const
export type DialectName = (typeof DIALECTS)[number]

export type JsonObject = Record<string, unknown>

/** What a codec needs besides its input: compiled schemas and the clock for defaulted times. */
export interface CodecContext {
  readonly schemas: SchemaSet
  readonly now: () => Date
}

/**
 * One foreign format. `toCanonical` gets input already checked for hostile structure and returns
 * an envelope the converter validates; `fromCanonical` gets a valid envelope and returns output the
 * converter validates against the foreign schema.
 */
export interface DialectCodec {
  readonly name: DialectName
  toCanonical(input: JsonObject, context: CodecContext): Envelope
  fromCanonical(envelope: Envelope, context: CodecContext): JsonObject
}

export function isDialectName(value: unknown): value is DialectName {
  return typeof value === 'string' && (DIALECTS as readonly string[]).includes(value)
}
