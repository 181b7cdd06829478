import type { ValidationIssue } from '../contracts/index.ts'

/**
 * One defect of a manifest: where it is (JSON pointer and 1-based line/column in the YAML text),
 * what is wrong, and what to write instead. `message` joins problem and fix for callers that only
 * know ValidationIssue.
 */
export interface ManifestIssue extends ValidationIssue {
  line: number
  column: number
  problem: string
  fix: string
}

/** An issue before the YAML positions are attached. */
export interface IssueDraft {
  path: string
  problem: string
  fix: string
  expected: string
  got: string
  /** Point at the key of the last path token instead of its value (unknown keys). */
  atKey?: boolean
  /** A character offset in the text, when the problem has no path in a parsed document. */
  offset?: number
}

export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
}

export function pointerJoin(base: string, ...tokens: (string | number)[]): string {
  return (
    base + tokens.map((token) => `/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')
  )
}

/** The value at a JSON pointer, or undefined; only own properties are followed. */
export function valueAt(root: unknown, pointer: string): unknown {
  let current: unknown = root
  for (const token of pointerTokens(pointer)) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, token)) return undefined
    current = (current as Record<string, unknown>)[token]
  }
  return current
}

/** True when `path` is `prefix` or lies below it. */
export function isWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`)
}

/** Sorted by position; the same problem at the same place is reported once. */
export function orderIssues(issues: readonly ManifestIssue[]): ManifestIssue[] {
  const seen = new Set<string>()
  const unique: ManifestIssue[] = []
  for (const issue of issues) {
    const key = `${issue.path}|${issue.problem}`
    if (seen.has(key)) continue
    seen.add(key)
    unique.push(issue)
  }
  // Stable: issues at one position keep the schema's order (required keys as listed).
  return unique.sort((a, b) => a.line - b.line || a.column - b.column)
}

/** `file:line:col path: problem — fix`, the CLI's one-line form. */
export function formatIssue(issue: ManifestIssue, file: string): string {
  return `${file}:${issue.line}:${issue.column} ${issue.path || '/'}: ${issue.problem} — ${issue.fix}`
}
