import type { ErrorObject } from 'ajv'
import {
  issuesFromAjv as contractIssuesFromAjv,
  HubError,
  pointerJoin,
  renderValue,
  type ValidationIssue,
} from '../contracts/index.ts'

export const pointer = pointerJoin

export function issue(path: string, expected: string, value: unknown, message?: string): ValidationIssue {
  const got = renderValue(value)
  return {
    path,
    expected,
    got,
    message: message ?? `${path || 'the document'}: expected ${expected}, got ${got}`,
  }
}

export function invalid(message: string, issues: ValidationIssue[]): HubError {
  return new HubError('E_VALIDATION', message, { details: { issues } })
}

/** Throws E_VALIDATION for a single problem. */
export function reject(path: string, expected: string, value: unknown, message?: string): never {
  const one = issue(path, expected, value, message)
  throw invalid(one.message, [one])
}

/** Ajv's errors as issues whose paths point into the validated document. */
export function issuesFromAjv(
  errors: readonly ErrorObject[] | null | undefined,
  root: unknown,
): ValidationIssue[] {
  return contractIssuesFromAjv(errors ?? [], root)
}
