import type { ErrorObject } from 'ajv'
import { HubError, renderValue, type ValidationIssue } from '../contracts/index.ts'

export function pointer(base: string, ...tokens: (string | number)[]): string {
  return (
    base + tokens.map((token) => `/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')
  )
}

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

function valueAt(root: unknown, path: string): unknown {
  let current = root
  if (path === '') return current
  for (const raw of path.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, token)) return undefined
    current = (current as Record<string, unknown>)[token]
  }
  return current
}

function expectedOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return `property ${JSON.stringify(params.missingProperty)}`
    case 'additionalProperties':
      return 'no other properties'
    case 'enum':
      return `one of ${JSON.stringify(params.allowedValues)}`
    case 'const':
      return JSON.stringify(params.allowedValue)
    case 'format':
      return `format ${String(params.format)}`
    case 'type':
      return String(params.type)
    default:
      return error.message ?? error.keyword
  }
}

/** Ajv's errors as issues whose paths point into the validated document. */
export function issuesFromAjv(
  errors: readonly ErrorObject[] | null | undefined,
  root: unknown,
): ValidationIssue[] {
  const seen = new Set<string>()
  const issues: ValidationIssue[] = []
  for (const error of errors ?? []) {
    // if/then/else failures repeat what the branch keyword already said.
    if (error.keyword === 'if') continue
    const params = error.params as Record<string, unknown>
    let path = error.instancePath
    if (error.keyword === 'required') path = pointer(path, String(params.missingProperty))
    if (error.keyword === 'additionalProperties') path = pointer(path, String(params.additionalProperty))
    if (error.keyword === 'propertyNames') path = pointer(path, String(params.propertyName))
    const expected = expectedOf(error)
    const key = `${path}|${expected}`
    if (seen.has(key)) continue
    seen.add(key)
    const value = error.keyword === 'required' ? undefined : valueAt(root, path)
    const message =
      error.keyword === 'required'
        ? `${path} is missing`
        : error.keyword === 'additionalProperties'
          ? `${path} is not allowed here`
          : undefined
    issues.push(issue(path, expected, value, message))
  }
  return issues
}
