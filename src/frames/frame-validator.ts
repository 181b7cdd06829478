import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { issuesFromAjv, renderValue } from '../contracts/index.ts'
import { FRAME_KINDS, isFrameKind } from './frame-kinds.ts'
import type { Frame, FrameIssue } from './frame-types.ts'

/** The vendored seed 002 schema (catalog/frames/README.md says where it comes from). */
export const FRAME_SCHEMA_PATH = fileURLToPath(
  new URL('../../catalog/frames/ummaya-ipc-frame.schema.json', import.meta.url),
)

export const FRAME_PROTOCOL_VERSION = '1.0'

export type FrameCheck = { ok: true; frame: Frame } | { ok: false; issue: FrameIssue }

export interface FrameValidator {
  /** Checks a parsed JSON value: an object, a known kind, version 1.0, valid against its kind's schema. */
  check(value: unknown): FrameCheck
}

function definitionNameOf(schema: Record<string, unknown>, kind: string): string | undefined {
  const mapping = (schema.discriminator as { mapping?: Record<string, string> } | undefined)?.mapping
  return mapping?.[kind]?.replace('#/$defs/', '')
}

function correlationOf(value: Record<string, unknown>): { correlationId?: string } {
  return typeof value.correlation_id === 'string' && value.correlation_id !== ''
    ? { correlationId: value.correlation_id }
    : {}
}

/**
 * Compiles one validator per kind from the seed's `$defs` (a failing oneOf over 25 arms would report
 * 25 arms' errors; dispatching on `kind` first reports the real one). The seed is vendored data with
 * a `discriminator` keyword Ajv does not take with a mapping, so strict mode is off for it.
 */
export function createFrameValidator(schemaPath: string = FRAME_SCHEMA_PATH): FrameValidator {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>
  const ajv = new Ajv2020({ allErrors: true, strict: false, allowUnionTypes: true })
  ajv.addSchema(schema, 'frame')
  const validators = new Map<string, ValidateFunction>()
  for (const kind of FRAME_KINDS) {
    const name = definitionNameOf(schema, kind)
    const validate = name === undefined ? undefined : ajv.getSchema(`frame#/$defs/${name}`)
    if (validate === undefined) throw new Error(`the frame schema has no definition for kind ${kind}`)
    validators.set(kind, validate)
  }
  const invalid = (path: string, expected: string, got: unknown, message: string, value?: object) => ({
    ok: false as const,
    issue: {
      code: 'invalid_frame',
      message,
      path,
      expected,
      got: renderValue(got),
      ...(value === undefined ? {} : correlationOf(value as Record<string, unknown>)),
    },
  })
  return Object.freeze({
    check(value: unknown): FrameCheck {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return invalid('', 'a JSON object', value, 'a frame must be a JSON object')
      }
      const record = value as Record<string, unknown>
      if (!isFrameKind(record.kind)) {
        return invalid('/kind', `one of ${FRAME_KINDS.join(', ')}`, record.kind, 'unknown frame kind', record)
      }
      if (record.version !== FRAME_PROTOCOL_VERSION) {
        return {
          ok: false,
          issue: {
            code: 'protocol_mismatch',
            message: `this side speaks frame protocol ${FRAME_PROTOCOL_VERSION}`,
            path: '/version',
            expected: JSON.stringify(FRAME_PROTOCOL_VERSION),
            got: renderValue(record.version),
            ...correlationOf(record),
          },
        }
      }
      const kind = record.kind
      const validate = validators.get(kind)!
      if (!validate(record)) {
        const [first] = issuesFromAjv(validate.errors ?? [], record)
        return {
          ok: false,
          issue: {
            code: 'invalid_frame',
            message: first?.message ?? `not a valid ${kind} frame`,
            path: first?.path ?? '',
            expected: first?.expected ?? `a ${kind} frame`,
            got: first?.got ?? renderValue(record),
            ...correlationOf(record),
          },
        }
      }
      // The seed defaults frame_seq to 0; this protocol numbers every frame, so it must be there.
      if (!Number.isInteger(record.frame_seq)) {
        return invalid('/frame_seq', 'an integer ≥ 0', record.frame_seq, 'frame_seq is required', record)
      }
      return { ok: true, frame: record as Frame }
    },
  })
}
