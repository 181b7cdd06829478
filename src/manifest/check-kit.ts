import { renderValue } from '../contracts/index.ts'
import { type IssueDraft, valueAt } from './manifest-issue.ts'
import { describe } from './manifest-labels.ts'

// Guarded access to a raw (not yet validated) manifest document, shared by the semantic checks.

export type Lookup = Record<string, unknown>

export function asObject(value: unknown): Lookup | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Lookup) : undefined
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

/** An issue at `path`, named the way people read it (`storage.path of skill "skill.rag"`). */
export function draftAt(
  root: unknown,
  path: string,
  problem: string,
  fix: string,
  expected: string,
): IssueDraft {
  return {
    path,
    problem: `${describe(root, path)}: ${problem}`,
    fix,
    expected,
    got: renderValue(valueAt(root, path)),
  }
}

/** The raw skills with their JSON pointers, skipping entries that are not mappings. */
export function rawSkills(root: unknown): { skill: Lookup; path: string }[] {
  const found: { skill: Lookup; path: string }[] = []
  list(asObject(root)?.skills).forEach((raw, index) => {
    const skill = asObject(raw)
    if (skill !== undefined) found.push({ skill, path: `/skills/${index}` })
  })
  return found
}
