import type { ResolveRequestPayload, ValidationIssue } from '../contracts/index.ts'
import { renderValue } from '../contracts/index.ts'
import {
  type AddressedSkill,
  type HintMatcher,
  parseAddressedSkill,
  parsePreferHint,
} from './prefer-hints.ts'

// What the catalog schema of resolve.request cannot say about a plan: step ids are unique,
// dependsOn names earlier-declared-or-later steps but never forms a cycle, hints and policies are
// known. Each problem is an issue with a JSON pointer, like the manifest's (decision 0303).

/** Soft policies add to policy_fit; hard ones (no-metered) remove candidates. */
export const KNOWN_POLICIES: readonly string[] = Object.freeze([
  'low-latency',
  'private',
  'low-cost',
  'no-metered',
])

export interface CheckedPlan {
  plan: ResolveRequestPayload
  /** Step indexes in an order where each step comes after the steps it depends on. */
  order: number[]
  stepPrefer: Map<string, HintMatcher>
  planPrefer: HintMatcher | undefined
  addressed: AddressedSkill | undefined
}

function issue(path: string, expected: string, value: unknown, message: string): ValidationIssue {
  return { path, expected, got: renderValue(value), message }
}

/** Kahn's algorithm, stable on declaration order; undefined when there is a cycle. */
function topologicalOrder(plan: ResolveRequestPayload, index: Map<string, number>): number[] | undefined {
  const remaining = plan.steps.map((step) => new Set(step.dependsOn ?? []).size)
  const dependents = plan.steps.map(() => [] as number[])
  plan.steps.forEach((step, position) => {
    for (const dependency of new Set(step.dependsOn ?? []))
      dependents[index.get(dependency) as number]?.push(position)
  })
  const ready = plan.steps.map((_, position) => position).filter((position) => remaining[position] === 0)
  const order: number[] = []
  while (ready.length > 0) {
    const next = ready.shift() as number
    order.push(next)
    for (const dependent of dependents[next] ?? []) {
      remaining[dependent] = (remaining[dependent] as number) - 1
      if (remaining[dependent] === 0) ready.push(dependent)
    }
  }
  return order.length === plan.steps.length ? order : undefined
}

export function checkPlan(
  plan: ResolveRequestPayload,
): { ok: true; value: CheckedPlan } | { ok: false; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = []
  const index = new Map<string, number>()
  plan.steps.forEach((step, position) => {
    if (index.has(step.id)) {
      issues.push(
        issue(`/steps/${position}/id`, 'a step id used once', step.id, `step id ${step.id} is used twice`),
      )
    } else index.set(step.id, position)
  })
  const stepPrefer = new Map<string, HintMatcher>()
  plan.steps.forEach((step, position) => {
    ;(step.dependsOn ?? []).forEach((dependency, at) => {
      const path = `/steps/${position}/dependsOn/${at}`
      if (dependency === step.id)
        issues.push(issue(path, 'another step', dependency, `step ${step.id} depends on itself`))
      else if (!index.has(dependency)) {
        issues.push(
          issue(
            path,
            `one of ${[...index.keys()].join(', ')}`,
            dependency,
            `step ${step.id} depends on unknown step ${dependency}`,
          ),
        )
      }
    })
    if (step.prefer !== undefined) {
      const parsed = parsePreferHint(step.prefer)
      if (parsed.ok) stepPrefer.set(step.id, parsed.match)
      else
        issues.push(
          issue(
            `/steps/${position}/prefer`,
            parsed.reason,
            step.prefer,
            `prefer hint not understood: ${parsed.reason}`,
          ),
        )
    }
  })
  ;(plan.policies ?? []).forEach((policy, at) => {
    if (!KNOWN_POLICIES.includes(policy)) {
      issues.push(
        issue(`/policies/${at}`, `one of ${KNOWN_POLICIES.join(', ')}`, policy, `unknown policy ${policy}`),
      )
    }
  })
  let planPrefer: HintMatcher | undefined
  if (plan.preferAgent !== undefined) {
    const parsed = parsePreferHint(plan.preferAgent)
    if (parsed.ok) planPrefer = parsed.match
    else
      issues.push(
        issue(
          '/preferAgent',
          parsed.reason,
          plan.preferAgent,
          `preferAgent not understood: ${parsed.reason}`,
        ),
      )
  }
  let addressed: AddressedSkill | undefined
  if (plan.addressedSkill !== undefined) {
    addressed = parseAddressedSkill(plan.addressedSkill)
    if (addressed === undefined) {
      issues.push(
        issue(
          '/addressedSkill',
          'skill://<kind>/<id>/<capability>',
          plan.addressedSkill,
          'addressedSkill is not a skill:// address',
        ),
      )
    }
  }
  // ---- scenario DSL: `scenario` names the scenario the plan was compiled from (scenario-request.ts);
  // its rules reach the resolver as ResolveOptions.routing, so the name itself needs no check here.
  if (issues.length > 0) return { ok: false, issues }
  const order = topologicalOrder(plan, index)
  if (order === undefined) {
    return {
      ok: false,
      issues: [
        issue(
          '/steps',
          'dependsOn without cycles',
          plan.steps.map((step) => step.id),
          'the steps depend on each other in a cycle',
        ),
      ],
    }
  }
  return { ok: true, value: { plan, order, stepPrefer, planPrefer, addressed } }
}
