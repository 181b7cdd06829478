import type { ValidateFunction } from 'ajv/dist/2020.js'
import { createAjv, derivedSchema } from './ajv-factory.ts'
import { assembledEnvelopeWithin, type MadeFields, restatesEnvelopeSchema } from './assembled-envelope.ts'
import { closestMatch } from './closest-match.ts'
import type { Envelope } from './envelope.ts'
import { HubError, type ValidationIssue } from './hub-error.ts'
import { issuesFromAjv, renderValue } from './issue-format.ts'
import { measureJson } from './measure.ts'
import { entryKey, type RegistryDocument, type RegistryEntry } from './registry-types.ts'
import type { ResultError } from './result.ts'
import { looksStored, storedFormSchema } from './stored-form.ts'

/** Largest envelope accepted, in bytes of JSON. Bigger content travels as a stream of chunks. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 1024 * 1024
/** Deepest nesting accepted (objects and arrays), so hostile input cannot exhaust the stack. */
export const DEFAULT_MAX_DEPTH = 64

export interface ContractsOptions {
  maxEnvelopeBytes?: number
  maxDepth?: number
}

export type { MadeFields }

export type ValidationOutcome<T> = { ok: true; value: T } | { ok: false; error: ResultError }

export interface Contracts {
  readonly registry: RegistryDocument
  readonly options: Readonly<Required<ContractsOptions>>
  /** The entry for type@version, or for the highest version of `type` when version is omitted. */
  entry(type: string, version?: number): RegistryEntry | undefined
  /**
   * Accepts a parsed object, JSON text or bytes; returns the typed envelope or structured errors.
   * `madeHere` says the caller itself just set `id` (a UUIDv7) and `ts` (from its clock), and
   * with 'id-ts-and-trace' also `traceId` (= that id) — the bus, for a draft that had none of
   * them: their pattern, date-time and length checks are skipped, every other field and the
   * payload are checked as always (decision 1741). The envelope's fields are checked by
   * hand-written code equivalent to the envelope schema, Ajv reporting the errors (decisions 1751,
   * 1780); a catalog whose envelope schema differs is checked by Ajv alone.
   */
  validateEnvelope(input: unknown, madeHere?: MadeFields): ValidationOutcome<Envelope>
  /**
   * `validateEnvelope`, and when the envelope is valid this instance vouches for the object: the
   * bus then takes it without checking it again (decision 2076). Only a successful check by this
   * instance makes the mark, so it cannot be forged in the process.
   */
  vouchEnvelope(input: Envelope, madeHere?: MadeFields): ValidationOutcome<Envelope>
  /**
   * Whether this instance vouched for `value` and its type, version and payload are still the
   * objects it checked. Answers true once: the mark is spent, so a second hand-over is checked.
   */
  takeVouched(value: object): boolean
  /** Issues of `payload` against type@version (empty when valid). */
  validatePayload(type: string, version: number, payload: unknown): ValidationIssue[]
}

export { createAjv }

function validationError(issues: ValidationIssue[], message?: string): ResultError {
  return {
    code: 'E_VALIDATION',
    message:
      message ??
      (issues.length === 1 ? issues[0]!.message : `${issues.length} problems: ${issues[0]!.message}; …`),
    details: { issues },
  }
}

/** The fields of a vouched envelope that decide which schema checks it, as they were checked. */
interface VouchedFields {
  readonly type: string
  readonly version: number
  readonly payload: unknown
}

/** Compiles every schema of the registry once; validation afterwards does no compilation. */
interface PayloadSlot {
  readonly entry: RegistryEntry
  readonly key: string
  validate: ValidateFunction | undefined
  /** Set when the schema failed to compile (decision 1646). */
  broken?: ValidationIssue
}

export function createContracts(registry: RegistryDocument, options: ContractsOptions = {}): Contracts {
  const settings = Object.freeze({
    maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
    maxDepth: DEFAULT_MAX_DEPTH,
    ...options,
  })
  if (!(settings.maxEnvelopeBytes > 0) || !(settings.maxDepth > 0)) {
    throw new HubError('E_BAD_REQUEST', 'maxEnvelopeBytes and maxDepth must be positive numbers')
  }
  const ajv = createAjv()
  const validateShape = ajv.compile(derivedSchema(registry.envelope, stripId(registry.envelope)))
  // The hand-written check restates the catalog's envelope schema; any other schema goes to Ajv.
  const handChecked = restatesEnvelopeSchema(registry.envelope)
  const madeShapes = new Map<MadeFields, ValidateFunction>()
  const shapeFor = (made: MadeFields | undefined): ValidateFunction => {
    if (made === undefined) return validateShape
    let validate = madeShapes.get(made)
    if (validate === undefined) {
      const fields = made === 'id-and-ts' ? ['id', 'ts'] : ['id', 'ts', 'traceId']
      validate = ajv.compile(
        derivedSchema(registry.envelope, withMadeFields(stripId(registry.envelope), fields)),
      )
      madeShapes.set(made, validate)
    }
    return validate
  }
  const entries = new Map<string, RegistryEntry>()
  // Seed 003 stores and replays payloads in the guarded form (`<field>_sha256`, `_len`); those are
  // checked against the stored-form schema derived from the same entry, compiled on first need.
  const storedValidators = new Map<string, ValidateFunction>()
  const storedValidatorOf = (key: string): ValidateFunction | undefined => {
    let validate = storedValidators.get(key)
    const entry = entries.get(key)
    if (validate === undefined && entry !== undefined) {
      validate = ajv.compile(stripId(storedFormSchema(entry.schema as Record<string, unknown>)))
      storedValidators.set(key, validate)
    }
    return validate
  }
  const validStoredForm = (key: string, payload: unknown): boolean => {
    const entry = entries.get(key)
    if (entry === undefined || !looksStored(entry.schema as Record<string, unknown>, payload)) return false
    return storedValidatorOf(key)?.(payload) === true
  }
  const versionsByType = new Map<string, number[]>()
  // type -> version -> entry and payload validator: looked up per event without building the
  // `type@version` string (a new string to hash on every lookup). Each payload schema is compiled
  // when its type is first validated: compiling the whole catalog took ~0.3 s of every bus open
  // (a CLI command, the NATS transport) for types most runs never see (decision 1646). The shipped
  // catalog is compiled in full by `registry lint` and the catalog tests.
  const slots = new Map<string, Map<number, PayloadSlot>>()
  for (const entry of registry.entries) {
    const key = entryKey(entry.type, entry.version)
    entries.set(key, entry)
    const byVersion = slots.get(entry.type) ?? new Map<number, PayloadSlot>()
    byVersion.set(entry.version, { entry, key, validate: undefined })
    slots.set(entry.type, byVersion)
    const versions = versionsByType.get(entry.type) ?? []
    versions.push(entry.version)
    versions.sort((a, b) => a - b)
    versionsByType.set(entry.type, versions)
  }
  for (const entry of registry.entries) {
    for (const alias of entry.aliases) if (!versionsByType.has(alias)) versionsByType.set(alias, [])
  }

  /**
   * The slot's compiled payload schema, or the issue that refuses every event of a type whose
   * schema does not compile: a refusal of that event alone, so the rest of a batch is stored.
   */
  function payloadValidatorOf(slot: PayloadSlot): ValidateFunction | ValidationIssue {
    if (slot.validate !== undefined) return slot.validate
    if (slot.broken !== undefined) return slot.broken
    try {
      slot.validate = ajv.compile(derivedSchema(slot.entry.schema, stripId(slot.entry.schema)))
      return slot.validate
    } catch (cause) {
      slot.broken = {
        path: '/type',
        expected: 'a type whose catalog schema compiles',
        got: renderValue(slot.entry.type),
        message: `catalog schema of ${slot.key} does not compile: ${(cause as Error).message}`,
      }
      return slot.broken
    }
  }

  function entry(type: string, version?: number): RegistryEntry | undefined {
    if (version !== undefined) return slots.get(type)?.get(version)?.entry
    const versions = versionsByType.get(type)
    return versions?.length ? slots.get(type)?.get(versions[versions.length - 1]!)?.entry : undefined
  }

  function validatePayload(type: string, version: number, payload: unknown): ValidationIssue[] {
    const slot = slots.get(type)?.get(version)
    const validate = slot === undefined ? undefined : payloadValidatorOf(slot)
    if (validate !== undefined && typeof validate !== 'function') return [validate]
    if (validate === undefined) {
      return [
        {
          path: '/type',
          expected: 'a type in the catalog',
          got: renderValue(type),
          message: `unknown type ${type}@${version}`,
        },
      ]
    }
    if (validate(payload)) return []
    const issues = issuesFromAjv(validate.errors ?? [], { payload }, '/payload')
    return validStoredForm(entryKey(type, version), payload) ? [] : issues
  }

  function parseInput(input: unknown): ValidationOutcome<unknown> {
    if (typeof input !== 'string' && !(input instanceof Uint8Array)) return { ok: true, value: input }
    // A UTF-16 string of n units is at most 3n UTF-8 bytes: count bytes only when that could matter.
    const size =
      typeof input !== 'string'
        ? input.byteLength
        : input.length * 3 <= settings.maxEnvelopeBytes
          ? input.length
          : Buffer.byteLength(input)
    if (size > settings.maxEnvelopeBytes) return { ok: false, error: tooLarge(size) }
    try {
      return {
        ok: true,
        value: JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8')),
      }
    } catch (cause) {
      const reason = cause instanceof RangeError ? 'nested too deeply' : (cause as Error).message
      return {
        ok: false,
        error: {
          code: 'E_BAD_REQUEST',
          message: `not valid JSON: ${reason}`,
          details: {
            issues: [{ path: '', expected: 'a JSON object', got: 'malformed text', message: reason }],
          },
        },
      }
    }
  }

  function tooLarge(bytes: number): ResultError {
    return {
      code: 'E_RESOURCE_LIMIT',
      message: `envelope is larger than ${settings.maxEnvelopeBytes} bytes (${bytes}); stream large content in chunks`,
      details: {
        issues: [
          {
            path: '',
            expected: `at most ${settings.maxEnvelopeBytes} bytes`,
            got: `${bytes} bytes`,
            message: 'too large',
          },
        ],
        limitBytes: settings.maxEnvelopeBytes,
      },
    }
  }

  function validateEnvelope(input: unknown, madeHere?: MadeFields): ValidationOutcome<Envelope> {
    const parsed = parseInput(input)
    if (!parsed.ok) return parsed
    const value = parsed.value
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const issue = {
        path: '',
        expected: 'an envelope object',
        got: renderValue(value),
        message: 'not an object',
      }
      return {
        ok: false,
        error: validationError([issue], `expected an envelope object, got ${renderValue(value)}`),
      }
    }
    // Shape-checked and measured against both limits in one pass over the keys (decision 1763),
    // for an envelope the bus assembled and, with every field checked as the schema does, for any
    // other (decision 1780). Anything that pass does not accept is measured and checked by Ajv as
    // before, so a refusal carries the same error data.
    const handValid =
      handChecked &&
      assembledEnvelopeWithin(
        value as Record<string, unknown>,
        madeHere,
        settings.maxEnvelopeBytes,
        settings.maxDepth,
      )
    if (!handValid) {
      const measured = measureJson(value, settings.maxEnvelopeBytes, settings.maxDepth)
      if (measured.exceeded === 'bytes') return { ok: false, error: tooLarge(measured.bytes) }
      if (measured.exceeded === 'depth') {
        const issue = {
          path: '',
          expected: `nesting depth at most ${settings.maxDepth}`,
          got: `deeper than ${settings.maxDepth}`,
          message: 'nested too deeply',
        }
        return {
          ok: false,
          error: { code: 'E_RESOURCE_LIMIT', message: issue.message, details: { issues: [issue] } },
        }
      }
      const shape = shapeFor(madeHere)
      if (!shape(value)) {
        return { ok: false, error: validationError(issuesFromAjv(shape.errors ?? [], value)) }
      }
    }
    const envelope = value as unknown as Envelope
    const slot = slots.get(envelope.type)?.get(envelope.version)
    const payloadValidate = slot === undefined ? undefined : (slot.validate ?? payloadValidatorOf(slot))
    if (payloadValidate === undefined)
      return { ok: false, error: validationError([unknownTypeIssue(envelope)]) }
    if (typeof payloadValidate !== 'function') return { ok: false, error: validationError([payloadValidate]) }
    if (!payloadValidate(envelope.payload)) {
      const errors = payloadValidate.errors
      if (validStoredForm(entryKey(envelope.type, envelope.version), envelope.payload))
        return { ok: true, value: envelope }
      payloadValidate.errors = errors
      return {
        ok: false,
        error: validationError(issuesFromAjv(payloadValidate.errors ?? [], value, '/payload')),
      }
    }
    return { ok: true, value: envelope }
  }

  function unknownTypeIssue(envelope: Envelope): ValidationIssue {
    const versions = versionsByType.get(envelope.type)
    if (versions !== undefined && versions.length > 0) {
      return {
        path: '/version',
        expected: `one of ${versions.join(', ')}`,
        got: renderValue(envelope.version),
        message: `${envelope.type} has no version ${envelope.version} (known: ${versions.join(', ')})`,
      }
    }
    const alias = registry.entries.find((candidate) => candidate.aliases.includes(envelope.type))
    const suggestion = alias?.type ?? closestMatch(envelope.type, versionsByType.keys())
    return {
      path: '/type',
      expected: 'a type in the catalog',
      got: renderValue(envelope.type),
      message: `unknown event type ${envelope.type}${suggestion ? `; did you mean ${suggestion}?` : ''}`,
    }
  }

  // What was checked of each envelope this instance vouched for; weak, so an envelope nobody hands
  // to the bus takes its mark with it.
  const vouched = new WeakMap<object, VouchedFields>()

  function vouchEnvelope(input: Envelope, madeHere?: MadeFields): ValidationOutcome<Envelope> {
    const outcome = validateEnvelope(input, madeHere)
    if (outcome.ok) {
      const { type, version, payload } = outcome.value
      vouched.set(outcome.value, { type, version, payload })
    }
    return outcome
  }

  function takeVouched(value: object): boolean {
    const fields = vouched.get(value)
    if (fields === undefined) return false
    vouched.delete(value)
    const envelope = value as Envelope
    return (
      envelope.type === fields.type &&
      envelope.version === fields.version &&
      envelope.payload === fields.payload
    )
  }

  return Object.freeze({
    registry,
    options: settings,
    entry,
    validateEnvelope,
    vouchEnvelope,
    takeVouched,
    validatePayload,
  })
}

/**
 * The envelope schema for an envelope whose caller has just made `fields` itself: those keep their
 * type (string) but lose the pattern, format and lengths that only foreign values can fail.
 */
function withMadeFields(schema: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const properties = { ...(schema.properties as Record<string, unknown>) }
  for (const field of fields) properties[field] = { type: 'string' }
  return { ...schema, properties }
}

// Schemas are compiled into one Ajv instance; their $id values would collide across versions.
function stripId(schema: Record<string, unknown>): Record<string, unknown> {
  const { $id: _id, ...rest } = schema
  return rest
}
