// Guardrails on the envelope's own string fields; split from guardrails.ts by concern.
import type { Envelope } from './envelope.ts'
import { type GuardrailSummary, ID_SCAN } from './guardrail-common.ts'
import { mayHoldSecret, scrubSecrets, secretMarker } from './secret-detectors.ts'

/**
 * Envelope fields a producer fills with free strings: secrets in them are replaced by markers
 * (the generic high-entropy detector is off here, ids are random by nature).
 */
export const ENVELOPE_STRING_FIELDS = Object.freeze([
  'source',
  'traceId',
  'causationId',
  'sessionId',
  'tenant',
  'idempotencyKey',
] as const)
/** The smallest maxLength among those fields in catalog/envelope.schema.json. */
const ENVELOPE_FIELD_MAX_CHARS = 200

type Changed = Record<string, string> | undefined

/**
 * Secrets in source, traceId, sessionId… are replaced in place by markers (deterministic, so
 * events of one session still share one sessionId). When the markers would make the field longer
 * than the envelope schema allows, the whole field becomes one marker. The fields are read one by
 * one by name (not by a key from a list: a generic keyed read per field cost more than the scan).
 */
export function scrubEnvelopeFields(
  envelope: Envelope,
  summary: GuardrailSummary,
  cleanFields: (string | undefined)[],
): Partial<Envelope> | undefined {
  const id = envelope.id
  let fields: Changed
  fields = scrubField(envelope.source, 0, id, cleanFields, summary, fields)
  fields = scrubField(envelope.traceId, 1, id, cleanFields, summary, fields)
  fields = scrubField(envelope.causationId, 2, id, cleanFields, summary, fields)
  fields = scrubField(envelope.sessionId, 3, id, cleanFields, summary, fields)
  fields = scrubField(envelope.tenant, 4, id, cleanFields, summary, fields)
  fields = scrubField(envelope.idempotencyKey, 5, id, cleanFields, summary, fields)
  return fields as Partial<Envelope> | undefined
}

function scrubField(
  value: string | undefined,
  index: number,
  id: string,
  cleanFields: (string | undefined)[],
  summary: GuardrailSummary,
  fields: Changed,
): Changed {
  // A traceId equal to the id is a UUID (the envelope schema's pattern): nothing to find in it.
  if (typeof value !== 'string' || value === cleanFields[index] || value === id) return fields
  if (!mayHoldSecret(value, ID_SCAN)) {
    // The last value found clean: a session's events repeat it, so most events skip the scan.
    cleanFields[index] = value
    return fields
  }
  const { text, findings } = scrubSecrets(value, ID_SCAN)
  if (findings.length === 0) return fields
  const field = ENVELOPE_STRING_FIELDS[index]!
  const changed = fields ?? {}
  changed[field] = text.length <= ENVELOPE_FIELD_MAX_CHARS ? text : secretMarker(findings[0]!.kind, value)
  for (const _finding of findings) summary.replaced.push(`/${field}`)
  return changed
}
