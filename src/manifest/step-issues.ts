import { renderValue } from '../contracts/index.ts'
import { type IssueDraft, pointerJoin } from './manifest-issue.ts'
import { describe, suggest } from './manifest-labels.ts'
import { STEP_KINDS, type StepKind } from './manifest-types.ts'

/** One pipeline step as found in the raw document, before it is known to be valid. */
export interface RawStep {
  path: string
  value: unknown
  isObject: boolean
  kinds: StepKind[]
  /** The step before it in the same list, for the lone-else advice. */
  previous: RawStep | undefined
}

export const STEP_FORMS =
  '{ emit: <type> }, { call: <skill id> }, { recv: <type> }, or { if: <condition>, then: …, else: … }'

function walkList(list: unknown, path: string, out: RawStep[]): void {
  if (!Array.isArray(list)) return
  let previous: RawStep | undefined
  list.forEach((value, index) => {
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value)
    const kinds = isObject ? STEP_KINDS.filter((kind) => Object.hasOwn(value, kind)) : []
    const step: RawStep = { path: pointerJoin(path, index), value, isObject, kinds, previous }
    out.push(step)
    previous = step
    if (kinds.length === 1 && kinds[0] === 'if') {
      for (const branch of ['then', 'else'])
        walkList((value as Record<string, unknown>)[branch], pointerJoin(step.path, branch), out)
    }
  })
}

/** Every step of every pipeline, nested then/else lists included, in document order. */
export function collectSteps(root: unknown): RawStep[] {
  const out: RawStep[] = []
  const pipelines =
    root !== null && typeof root === 'object' ? (root as Record<string, unknown>).pipelines : undefined
  if (!Array.isArray(pipelines)) return out
  pipelines.forEach((pipeline, index) => {
    if (pipeline !== null && typeof pipeline === 'object') {
      walkList((pipeline as Record<string, unknown>).steps, `/pipelines/${index}/steps`, out)
    }
  })
  return out
}

function render(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : renderValue(value).replace(/^\w+ /, '')
}

function loneBranchDraft(step: RawStep, branch: 'else' | 'then', root: unknown): IssueDraft {
  const value = (step.value as Record<string, unknown>)[branch]
  const where = describe(root, step.path)
  const previous = step.previous
  const previousIf =
    previous?.kinds.length === 1 && previous.kinds[0] === 'if'
      ? (previous.value as Record<string, unknown>)
      : undefined
  let fix: string
  if (branch === 'else' && previousIf !== undefined && !Object.hasOwn(previousIf, 'else')) {
    fix =
      `move it into the if step before it: { if: ${render(previousIf.if)}, then: ${render(previousIf.then)}, ` +
      `else: ${render(value)} }`
  } else {
    fix = `put it inside an if step: { if: <condition>, then: …, else: … }, or remove it`
  }
  return {
    path: pointerJoin(step.path, branch),
    atKey: true,
    problem: `${where} is a lone ${branch}: ${branch} is only allowed inside an if step`,
    fix,
    expected: 'a step with one of emit, call, recv, if',
    got: renderValue(step.value),
  }
}

/** One draft per step whose kind is missing or ambiguous; Ajv's anyOf noise about it is dropped. */
export function stepDrafts(steps: readonly RawStep[], root: unknown): IssueDraft[] {
  const drafts: IssueDraft[] = []
  for (const step of steps) {
    if (!step.isObject || step.kinds.length === 1) continue
    const value = step.value as Record<string, unknown>
    const where = describe(root, step.path)
    if (step.kinds.length > 1) {
      drafts.push({
        path: step.path,
        problem: `${where} has ${step.kinds.join(' and ')}; a step does exactly one thing`,
        fix: 'split it into one step per action',
        expected: 'exactly one of emit, call, recv, if',
        got: renderValue(value),
      })
      continue
    }
    if (Object.hasOwn(value, 'else')) {
      drafts.push(loneBranchDraft(step, 'else', root))
      continue
    }
    if (Object.hasOwn(value, 'then')) {
      drafts.push(loneBranchDraft(step, 'then', root))
      continue
    }
    const keys = Object.keys(value)
    const guess = keys
      .map((key) => ({ key, kind: suggest(key, STEP_KINDS) }))
      .find((entry) => entry.kind !== undefined)
    drafts.push({
      path: step.path,
      problem:
        keys.length === 0
          ? `${where} is empty`
          : `${where} has none of emit, call, recv, if (found ${keys.slice(0, 5).join(', ')})`,
      fix:
        guess === undefined ? `write ${STEP_FORMS}` : `did you mean ${guess.kind} instead of ${guess.key}?`,
      expected: 'exactly one of emit, call, recv, if',
      got: renderValue(value),
    })
  }
  return drafts
}
