import type { ErrorObject } from 'ajv'
import type { ValidationIssue } from './hub-error.ts'

const MAX_RENDERED_CHARS = 80

/** A short, safe rendering of a value for an error message (never the whole of a huge value). */
export function renderValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  let text: string
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    text = Object.prototype.toString.call(value)
  }
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
  const shown =
    text.length > MAX_RENDERED_CHARS ? `${text.slice(0, MAX_RENDERED_CHARS)}… (${text.length} chars)` : text
  return `${kind} ${shown}`
}

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1')
}

export function pointerJoin(base: string, ...tokens: (string | number)[]): string {
  return base + tokens.map((token) => `/${escapePointerToken(String(token))}`).join('')
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root
  let current: unknown = root
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, token)) return undefined
    current = (current as Record<string, unknown>)[token]
  }
  return current
}

function expectedOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'type':
      return String(params.type)
    case 'required':
      return `property ${JSON.stringify(params.missingProperty)}`
    case 'additionalProperties':
      return 'no other properties'
    case 'enum':
      return `one of ${JSON.stringify(params.allowedValues)}`
    case 'const':
      return JSON.stringify(params.allowedValue)
    case 'format':
      return params.format === 'date-time'
        ? 'an RFC 3339 date-time, e.g. 2026-01-31T12:00:00.000Z'
        : `format ${String(params.format)}`
    case 'pattern':
      return `a string matching ${String(params.pattern)}`
    case 'maxLength':
    case 'maxItems':
    case 'maxProperties':
    case 'maximum':
      return `at most ${String(params.limit)}${error.keyword === 'maximum' ? '' : error.keyword === 'maxLength' ? ' characters' : ' items'}`
    case 'minLength':
    case 'minItems':
    case 'minProperties':
    case 'minimum':
      return `at least ${String(params.limit)}${error.keyword === 'minimum' ? '' : error.keyword === 'minLength' ? ' characters' : ' items'}`
    default:
      return `${error.keyword} ${JSON.stringify(params)}`
  }
}

/** Turns Ajv's errors into issues whose paths point into the whole document under `base`. */
export function issuesFromAjv(errors: readonly ErrorObject[], root: unknown, base = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  const seen = new Set<string>()
  for (const error of errors) {
    // if/then/else failures repeat what the branch keyword already said.
    if (error.keyword === 'if') continue
    const params = error.params as Record<string, unknown>
    let path = base + error.instancePath
    let got: string
    if (error.keyword === 'required') {
      path = pointerJoin(path, String(params.missingProperty))
      got = 'nothing'
    } else if (error.keyword === 'propertyNames') {
      path = pointerJoin(path, String(params.propertyName))
      got = renderValue(params.propertyName)
    } else if (error.keyword === 'additionalProperties') {
      path = pointerJoin(path, String(params.additionalProperty))
      got = renderValue(valueAt(root, path))
    } else {
      got = renderValue(valueAt(root, path))
    }
    const expected = expectedOf(error)
    const key = `${path}|${expected}`
    if (seen.has(key)) continue
    seen.add(key)
    const message =
      error.keyword === 'required'
        ? `${path} is missing; expected ${expected}`
        : error.keyword === 'additionalProperties'
          ? `${path} is not allowed here`
          : `${path || 'the document'}: expected ${expected}, got ${got}`
    issues.push({ path, expected, got, message })
  }
  return issues
}
