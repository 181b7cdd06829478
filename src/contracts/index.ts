export { markCheckedSchemas } from './ajv-factory.ts'
export { closestMatch, editDistance } from './closest-match.ts'
export { deadlineSignal } from './deadline-signal.ts'
export type { Envelope, EnvelopeDraft, Severity } from './envelope.ts'
export { DEFAULT_TENANT, ENVELOPE_FIELDS } from './envelope.ts'
export type { ErrorCode } from './error-codes.ts'
export { ERROR_CODES, HTTP_STATUS_BY_CODE, isErrorCode } from './error-codes.ts'
export type * from './generated/event-types.ts'
export { defineEvent, EVENT_TYPES, isEventType } from './generated/event-types.ts'
export type { GuardrailOptions, Guardrails } from './guardrails.ts'
export { codePointLength, createGuardrails } from './guardrails.ts'
export type { HttpRouteSchema, JsonSchema } from './http-schemas.ts'
export {
  ERROR_ENVELOPE_SCHEMA,
  ERROR_RESPONSES,
  envelopeResponses,
  okEnvelopeSchema,
  VALIDATION_ISSUE_SCHEMA,
} from './http-schemas.ts'
export type { ValidationIssue } from './hub-error.ts'
export { HubError, toHubError } from './hub-error.ts'
export { issuesFromAjv, pointerJoin, renderValue } from './issue-format.ts'
export { assertNoLoneSurrogate } from './lone-surrogate.ts'
export { collectRedactionRules } from './redaction-rules.ts'
export type { Channel, EventKind, RegistryDocument, RegistryEntry } from './registry-types.ts'
export { entryKey } from './registry-types.ts'
export type { Result, ResultError } from './result.ts'
export { fail, ok } from './result.ts'
export { isRfc3339DateTime } from './rfc3339.ts'
export { findSecrets, SECRET_DETECTOR_KINDS, scrubSecrets } from './secret-detectors.ts'
export { isSecretKeyName, SECRET_KEY_NAMES } from './secret-key-names.ts'
export { GUARDRAIL_SUMMARY_SCHEMA, looksStored, storedFormSchema } from './stored-form.ts'
export type { Contracts, MadeFields } from './validator.ts'
export { createAjv, createContracts, DEFAULT_MAX_DEPTH, DEFAULT_MAX_ENVELOPE_BYTES } from './validator.ts'
