import { closestMatch, pointerJoin, renderValue } from '../contracts/index.ts'
import type { ManifestProblem } from '../manifest/index.ts'
import { parsePreferHint } from './prefer-hints.ts'
import type { Scenario, ScenarioStep } from './scenario-types.ts'

// What the scenario schema cannot say: step ids are unique, dependsOn names steps of the scenario
// without a cycle, hints parse, the keys of prefer/fallback/forbid.steps and overrides name a step
// (by id or capability), an override names one target. A forbid that leaves a step no agent is
// allowed here: which agents exist is only known when the scenario is resolved (decision 2043).

/** Whether a routing key (step id, `media.search` or `capability://media.search`) means this step. */
export function keyMatchesStep(key: string, step: { id: string; need: string }): boolean {
  return key === step.id || key === step.need || `capability://${key}` === step.need
}

/** A likely typo of one of `names`; none for names too short for a guess to mean anything. */
export function nearest(name: string, names: Iterable<string>): string | undefined {
  return name.length < 3 ? undefined : closestMatch(name, names)
}

function problem(path: string, text: string, fix: string, expected: string, got: unknown): ManifestProblem {
  return { path, problem: text, fix, expected, got: renderValue(got) }
}

function stepIssues(steps: readonly ScenarioStep[]): ManifestProblem[] {
  const issues: ManifestProblem[] = []
  const ids = new Map<string, number>()
  steps.forEach((step, index) => {
    if (ids.has(step.id))
      issues.push(
        problem(
          `/steps/${index}/id`,
          `step id ${step.id} is used twice (steps ${(ids.get(step.id) as number) + 1} and ${index + 1})`,
          'give each step its own id',
          'a step id used once',
          step.id,
        ),
      )
    else ids.set(step.id, index)
  })
  steps.forEach((step, index) => {
    ;(step.dependsOn ?? []).forEach((dependency, at) => {
      const path = `/steps/${index}/dependsOn/${at}`
      if (dependency === step.id) {
        issues.push(
          problem(path, `step ${step.id} depends on itself`, 'remove it', 'another step', dependency),
        )
      } else if (!ids.has(dependency)) {
        const guess = nearest(dependency, ids.keys())
        issues.push(
          problem(
            path,
            `step ${step.id} depends on unknown step ${dependency}`,
            guess === undefined ? `use one of ${[...ids.keys()].join(', ')}` : `did you mean ${guess}?`,
            `one of ${[...ids.keys()].join(', ')}`,
            dependency,
          ),
        )
      }
    })
  })
  if (issues.length > 0) return issues
  const cycle = findCycle(steps)
  if (cycle !== undefined) {
    issues.push(
      problem(
        `/steps/${steps.findIndex((step) => step.id === cycle[0])}/dependsOn`,
        `the steps depend on each other in a cycle: ${cycle.join(' → ')}`,
        'remove one dependsOn of the cycle',
        'dependsOn without cycles',
        cycle,
      ),
    )
  }
  return issues
}

/** One cycle as step ids (first repeated at the end), found iteratively so long chains cannot overflow. */
function findCycle(steps: readonly ScenarioStep[]): string[] | undefined {
  const edges = new Map(steps.map((step) => [step.id, step.dependsOn ?? []]))
  const state = new Map<string, 'open' | 'done'>()
  for (const start of edges.keys()) {
    if (state.has(start)) continue
    const path: string[] = []
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }]
    state.set(start, 'open')
    path.push(start)
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: number }
      const targets = edges.get(top.id) ?? []
      if (top.next >= targets.length) {
        state.set(top.id, 'done')
        stack.pop()
        path.pop()
        continue
      }
      const target = targets[top.next++] as string
      if (state.get(target) === 'open') return [...path.slice(path.indexOf(target)), target]
      if (!state.has(target)) {
        state.set(target, 'open')
        path.push(target)
        stack.push({ id: target, next: 0 })
      }
    }
  }
  return undefined
}

function keyIssue(steps: readonly ScenarioStep[] | undefined, key: string, path: string): ManifestProblem[] {
  if (steps === undefined || steps.some((step) => keyMatchesStep(key, step))) return []
  const names = [...new Set(steps.flatMap((step) => [step.id, step.need.slice('capability://'.length)]))]
  const guess = nearest(key, names)
  return [
    {
      path,
      atKey: !/\/overrides\/\d+\/step$/.test(path),
      problem: `${key} names no step of the scenario (by id or by capability)`,
      fix: guess === undefined ? `use one of ${names.join(', ')}` : `did you mean ${guess}?`,
      expected: `one of ${names.join(', ')}`,
      got: renderValue(key),
    },
  ]
}

function hintIssues(
  rule: string | Readonly<Record<string, string>> | undefined,
  path: string,
  steps: readonly ScenarioStep[] | undefined,
): ManifestProblem[] {
  if (rule === undefined) return []
  const entries: [string | undefined, string, string][] =
    typeof rule === 'string'
      ? [[undefined, rule, path]]
      : Object.entries(rule).map(([key, hint]) => [key, hint, pointerJoin(path, key)])
  const issues: ManifestProblem[] = []
  for (const [key, hint, at] of entries) {
    if (key !== undefined) issues.push(...keyIssue(steps, key, at))
    const parsed = parsePreferHint(hint)
    if (!parsed.ok)
      issues.push(
        problem(
          at,
          `hint ${hint} is not understood: ${parsed.reason}`,
          'write a hint such as hub, member:any, browser:tv or tag:server',
          parsed.reason,
          hint,
        ),
      )
  }
  return issues
}

/** The semantic problems of a scenario that passed the schema. */
export function scenarioSemanticIssues(scenario: Scenario): ManifestProblem[] {
  const steps = scenario.steps
  const issues = steps === undefined ? [] : stepIssues(steps)
  issues.push(...hintIssues(scenario.routing?.prefer, '/routing/prefer', steps))
  issues.push(...hintIssues(scenario.routing?.fallback, '/routing/fallback', steps))
  for (const key of Object.keys(scenario.routing?.forbid?.steps ?? {}))
    issues.push(...keyIssue(steps, key, pointerJoin('/routing/forbid/steps', key)))
  const pinned = new Map<string, number>()
  ;(scenario.overrides ?? []).forEach((override, index) => {
    const path = `/overrides/${index}`
    const byStep = override.step !== undefined || override.agent !== undefined
    if (byStep && override.addressedSkill === true) {
      issues.push(
        problem(
          path,
          'an override pins either a step to an agent or the addressed skill, not both',
          'split it into two overrides',
          'step and agent, or addressedSkill: true',
          override,
        ),
      )
    } else if (byStep && (override.step === undefined || override.agent === undefined)) {
      const missing = override.step === undefined ? 'step' : 'agent'
      issues.push(
        problem(
          `${path}/${missing}`,
          `override ${index + 1} is missing ${missing}`,
          `add ${missing}`,
          `property ${missing}`,
          undefined,
        ),
      )
    } else if (!byStep && override.addressedSkill !== true) {
      issues.push(
        problem(
          path,
          `override ${index + 1} names nothing to pin`,
          'add step and agent, or addressedSkill: true',
          'step and agent, or addressedSkill: true',
          override,
        ),
      )
    }
    if (override.step !== undefined) {
      issues.push(...keyIssue(steps, override.step, `${path}/step`))
      const earlier = pinned.get(override.step)
      if (earlier !== undefined)
        issues.push(
          problem(
            `${path}/step`,
            `${override.step} is pinned twice (overrides ${earlier + 1} and ${index + 1})`,
            'keep one',
            'one override per step',
            override.step,
          ),
        )
      else pinned.set(override.step, index)
    }
  })
  return issues
}
