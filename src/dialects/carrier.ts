import type { Envelope } from '../contracts/index.ts'
import { invalid, pointer } from './issues.ts'
import { compact } from './json-guard.ts'
import { CARRIER_FIELDS } from './schemas.ts'
import type { CodecContext } from './types.ts'

/**
 * A carrier holds, inside a foreign event's open slot (Pinchy meta.localhub, the AdaOS header
 * x-localhub), the canonical fields that format has no place for, so canonical -> foreign ->
 * canonical is exact. `defaulted` lists foreign fields fromCanonical had to invent.
 */
export interface Carrier {
  id?: string
  version?: number
  source?: string
  severity?: Envelope['severity']
  causationId?: string
  sessionId?: string
  seq?: number
  sessionSeq?: number
  meta?: Record<string, unknown>
  defaulted?: string[]
}

type CarrierField = (typeof CARRIER_FIELDS)[number]

/** Validates a carrier found at `path`; `allowed` are the fields this dialect carries. */
export function readCarrier(
  value: unknown,
  path: string,
  allowed: readonly (CarrierField | 'defaulted')[],
  context: CodecContext,
): Carrier | undefined {
  if (value === undefined) return undefined
  const issues = context.schemas.validate('carrier', value).map((found) => {
    const at = path + found.path
    return { ...found, path: at, message: `${at}: expected ${found.expected}, got ${found.got}` }
  })
  if (issues.length === 0) {
    for (const key of Object.keys(value as object)) {
      if (!allowed.includes(key as CarrierField)) {
        issues.push({
          path: pointer(path, key),
          expected: `only ${allowed.join(', ')}`,
          got: key,
          message: `${pointer(path, key)}: this dialect has its own field for ${key}`,
        })
      }
    }
  }
  if (issues.length > 0) throw invalid(`the hub carrier at ${path} is not valid`, issues)
  return value as Carrier
}

/** The carrier with fields in a fixed order, or undefined when it would be empty. */
export function orderCarrier(carrier: Carrier): Carrier | undefined {
  const ordered = compact(
    [...CARRIER_FIELDS, 'defaulted'].map((field) => [field, carrier[field as keyof Carrier]]),
  )
  return Object.keys(ordered).length > 0 ? (ordered as Carrier) : undefined
}
