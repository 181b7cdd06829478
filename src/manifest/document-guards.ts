import { open } from 'node:fs/promises'
import { HubError, type ValidationIssue } from '../contracts/index.ts'
import type { IssueDraft, ManifestIssue } from './manifest-issue.ts'

// The guards every YAML document of the hub goes through, whatever it describes (the hub manifest,
// scenario files): a size and UTF-8 check before parsing, a cap on reported issues, and a frozen
// result. One copy, so both documents refuse hostile files the same way.

/** How a guarded read names the document in its errors. */
export interface GuardedReadOptions {
  /** Largest file accepted, in bytes; checked before the file is read. */
  readonly maxBytes: number
  /** Word for the document in messages: `cannot read <noun> <path>`, `<noun> <path>: <problem>`. */
  readonly noun: string
  /** Subject of the size problem: `<sizeSubject> is N bytes; the limit is M`. */
  readonly sizeSubject: string
  /** What to do about a file over the limit. */
  readonly sizeFix: string
  /** Added to the details of every error (before `issues`), e.g. `{ file: path }`. */
  readonly details?: Readonly<Record<string, unknown>>
}

/** An issue about the file as a whole (line 1, column 1, no pointer). */
export function wholeFileIssue(problem: string, fix: string, expected: string, got: string): ManifestIssue {
  return { path: '', line: 1, column: 1, problem, fix, message: `${problem} — ${fix}`, expected, got }
}

/** Reads a file as UTF-8 text, refusing oversized (E_RESOURCE_LIMIT) and non-UTF-8 (E_VALIDATION) content. */
export async function readGuardedText(path: string, options: GuardedReadOptions): Promise<string> {
  const { maxBytes, noun, details } = options
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r')
  } catch (cause) {
    throw new HubError(
      'E_IO',
      `cannot read ${noun} ${path}: ${(cause as NodeJS.ErrnoException).code ?? cause}`,
      details === undefined ? { cause } : { cause, details: { ...details } },
    )
  }
  try {
    const { size } = await handle.stat()
    if (size > maxBytes) {
      const issue = wholeFileIssue(
        `${options.sizeSubject} is ${size} bytes; the limit is ${maxBytes}`,
        options.sizeFix,
        `≤ ${maxBytes} bytes`,
        `${size} bytes`,
      )
      throw new HubError('E_RESOURCE_LIMIT', `${noun} ${path}: ${issue.problem}`, {
        details: { ...details, issues: [issue] },
      })
    }
    const bytes = await handle.readFile()
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch (cause) {
      const issue = wholeFileIssue(
        'the file is not UTF-8 text (binary data?)',
        'pass a UTF-8 YAML file',
        'UTF-8 text',
        `${bytes.length} bytes`,
      )
      throw new HubError('E_VALIDATION', `${noun} ${path}: ${issue.problem}`, {
        cause,
        details: { ...details, issues: [issue] },
      })
    }
  } finally {
    await handle.close()
  }
}

/** A YAML document's top level must be a mapping (not empty, a list or a scalar). */
export function isMapping(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The issue for a document whose top level is not a mapping; `noun` names it ('manifest', 'scenario'). */
export function notMappingIssue(value: unknown, noun: string, fix: string): IssueDraft {
  return {
    path: '',
    problem: value === null || value === undefined ? `the ${noun} is empty` : `the ${noun} is not a mapping`,
    fix,
    expected: 'a mapping',
    got: Array.isArray(value) ? 'a list' : typeof value,
  }
}

/** At most `maxIssues` issues; past that, the rest are counted in one last issue. */
export function cappedIssues<T extends ValidationIssue>(issues: T[], maxIssues: number): T[] {
  if (issues.length <= maxIssues) return issues
  const last = issues[maxIssues - 1] as T
  const problem = `${issues.length - maxIssues} more problems not shown`
  const fix = 'fix the ones above and validate again'
  return [
    ...issues.slice(0, maxIssues),
    { ...last, path: '', problem, fix, message: `${problem} — ${fix}`, expected: '', got: '' },
  ]
}

/** Freezes a parsed document and everything in it (iteratively: depth is bounded by the reader). */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object' || Object.isFrozen(node)) continue
    Object.freeze(node)
    for (const child of Object.values(node)) stack.push(child)
  }
  return value
}
