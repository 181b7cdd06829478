export { closestMatch, editDistance } from './closest-match.ts'
export type { Envelope, EnvelopeDraft, Severity } from './envelope.ts'
export { DEFAULT_TENANT, ENVELOPE_FIELDS, SEVERITIES } from './envelope.ts'
export type { ErrorCode } from './error-codes.ts'
export { ERROR_CODES, HTTP_STATUS_BY_CODE, isErrorCode } from './error-codes.ts'
export type * from './generated/event-types.ts'
export { defineEvent, EVENT_TYPES, isEventType } from './generated/event-types.ts'
export type { GuardrailOptions, GuardrailSummary, Guardrails } from './guardrails.ts'
export {
  codePointLength,
  createGuardrails,
  DEFAULT_DENIED_KEYS,
  DEFAULT_MAX_LIST_ITEMS,
  DEFAULT_MAX_STRING_CHARS,
  ENVELOPE_STRING_FIELDS,
  sha256Hex,
} from './guardrails.ts'
export type { HubErrorDetails, ValidationIssue } from './hub-error.ts'
export { HubError, toHubError } from './hub-error.ts'
export { issuesFromAjv, pointerJoin, renderValue } from './issue-format.ts'
export { assertNoLoneSurrogate, findLoneSurrogate } from './lone-surrogate.ts'
export type { RedactAction, RedactionRule } from './redaction-rules.ts'
export { collectRedactionRules } from './redaction-rules.ts'
export type {
  Channel,
  Delivery,
  EntryStatus,
  EventKind,
  Ordering,
  RegistryDocument,
  RegistryEntry,
  Semantics,
  UiHint,
} from './registry-types.ts'
export { entryKey } from './registry-types.ts'
export type { Result, ResultError } from './result.ts'
export { fail, ok } from './result.ts'
export type { ScrubResult, SecretFinding, SecretKind, SecretScanOptions } from './secret-detectors.ts'
export {
  findSecrets,
  looksRandom,
  mayHoldSecret,
  SECRET_DETECTOR_KINDS,
  scrubSecrets,
  secretMarker,
} from './secret-detectors.ts'
export { isSecretKeyName, SECRET_KEY_NAMES } from './secret-key-names.ts'
export type { Contracts, ContractsOptions, ValidationOutcome } from './validator.ts'
export { createAjv, createContracts, DEFAULT_MAX_DEPTH, DEFAULT_MAX_ENVELOPE_BYTES } from './validator.ts'
