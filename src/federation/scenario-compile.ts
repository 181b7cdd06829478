import { HubError, type ResolveRequestPayload, renderValue } from '../contracts/index.ts'
import { type HintMatcher, parseAddressedSkill, parsePreferHint } from './prefer-hints.ts'
import type { RoutingCandidate, RoutingVerdict, StepRouter } from './resolver.ts'
import { keyMatchesStep } from './scenario-semantics.ts'
import type { ForbidRule, HintRule, OverrideMode, Scenario, ScenarioStep } from './scenario-types.ts'

// A scenario compiles to what the resolver takes: a resolve.request plan (steps, prefer hints,
// policies, data residency, addressed skill) and a StepRouter with the rules a plan cannot carry
// (forbid, overrides, fallback, step formats). Decision 2041 says how a request and a scenario
// combine: the request's steps and hints win, the scenario's hard rules always apply.

type PlanStep = ResolveRequestPayload['steps'][number]
/** What a resolve request brings besides the scenario (its `scenario` field already taken out). */
export type ScenarioRequest = Partial<ResolveRequestPayload>

export interface CompiledScenario {
  plan: ResolveRequestPayload
  routing: StepRouter
}

interface StepRule {
  forbid: { agents: Set<string>; kinds: Set<string>; tags: Set<string> }
  prefer?: HintMatcher
  fallback?: HintMatcher
  override?: { agent: string; mode: OverrideMode }
  inputs?: readonly string[]
  outputs?: readonly string[]
}

/** The hint a rule gives this step: its own key (step id first, then capability), else the global one. */
function hintFor(rule: HintRule | undefined, step: { id: string; need: string }): string | undefined {
  if (rule === undefined) return undefined
  if (typeof rule === 'string') return rule
  if (Object.hasOwn(rule, step.id)) return rule[step.id]
  const key = Object.keys(rule).find((candidate) => keyMatchesStep(candidate, step))
  return key === undefined ? undefined : rule[key]
}

/**
 * The scenario's hints were checked when it was loaded; a request's hint that does not parse is
 * left to the plan check, which refuses it with its pointer (so no rule is built from it here).
 */
function matcher(hint: string | undefined): HintMatcher | undefined {
  if (hint === undefined) return undefined
  const parsed = parsePreferHint(hint)
  return parsed.ok ? parsed.match : undefined
}

function addForbid(into: StepRule['forbid'], rule: ForbidRule | undefined): void {
  for (const agent of rule?.agents ?? []) into.agents.add(agent)
  for (const kind of rule?.kinds ?? []) into.kinds.add(kind)
  for (const tag of rule?.tags ?? []) into.tags.add(tag)
}

const shares = (declared: readonly string[] | undefined, wanted: readonly string[] | undefined) =>
  wanted === undefined || declared === undefined || declared.some((format) => wanted.includes(format))

function verdict(rule: StepRule | undefined, candidate: RoutingCandidate): RoutingVerdict {
  if (rule === undefined) return { rank: 0 }
  const { forbid } = rule
  // forbid is absolute: it wins over a pin (decision 2042).
  if (
    forbid.agents.has(candidate.agent) ||
    forbid.kinds.has(candidate.kind) ||
    candidate.tags.some((tag) => forbid.tags.has(tag))
  )
    return { refused: 'forbid' }
  if (!shares(candidate.inputs, rule.inputs) || !shares(candidate.outputs, rule.outputs))
    return { refused: 'step_format' }
  if (rule.override !== undefined) {
    if (candidate.agent === rule.override.agent) return { rank: -1 }
    if (rule.override.mode === 'pin') return { refused: 'override' }
  }
  if (rule.fallback === undefined) return { rank: 0 }
  if (rule.prefer?.(candidate) === true) return { rank: 0 }
  return rule.fallback(candidate) ? { rank: 1 } : { refused: 'fallback' }
}

function planStepsOf(scenario: Scenario, request: ScenarioRequest): PlanStep[] {
  const steps =
    request.steps ??
    scenario.steps?.map(({ id, need, dependsOn }) => ({
      id,
      need,
      ...(dependsOn === undefined ? {} : { dependsOn }),
    }))
  if (steps === undefined || steps.length === 0) {
    throw new HubError(
      'E_VALIDATION',
      `plan /steps: scenario ${scenario.scenario} has no steps; send the plan's steps with it`,
      {
        details: {
          issues: [
            {
              path: '/steps',
              expected: 'steps in the request or the scenario',
              got: renderValue(undefined),
              message: `scenario ${scenario.scenario} has no steps of its own`,
            },
          ],
        },
      },
    )
  }
  return steps
}

/** The policies of both, the strictest residency, the request's hints before the scenario's. */
export function compileScenario(scenario: Scenario, request: ScenarioRequest = {}): CompiledScenario {
  const steps = planStepsOf(scenario, request)
  const routing = scenario.routing ?? {}
  const ownSteps =
    request.steps === undefined
      ? new Map((scenario.steps ?? []).map((step) => [step.id, step]))
      : new Map<string, ScenarioStep>()
  const globalPrefer = typeof routing.prefer === 'string' ? routing.prefer : undefined
  const preferAgent = request.preferAgent ?? globalPrefer
  const addressedSkill = request.addressedSkill ?? scenario.addressedSkill
  const addressed = addressedSkill === undefined ? undefined : parseAddressedSkill(addressedSkill)
  const rules = new Map<string, StepRule>()
  const planSteps = steps.map((step): PlanStep => {
    const scenarioPrefer = typeof routing.prefer === 'string' ? undefined : hintFor(routing.prefer, step)
    const prefer = step.prefer ?? scenarioPrefer
    const rule: StepRule = { forbid: { agents: new Set(), kinds: new Set(), tags: new Set() } }
    addForbid(rule.forbid, routing.forbid)
    for (const [key, forbid] of Object.entries(routing.forbid?.steps ?? {}))
      if (keyMatchesStep(key, step)) addForbid(rule.forbid, forbid)
    const effectivePrefer = prefer ?? preferAgent
    const preferMatch = matcher(effectivePrefer)
    const fallbackMatch = matcher(hintFor(routing.fallback, step))
    if (preferMatch !== undefined) rule.prefer = preferMatch
    if (fallbackMatch !== undefined) rule.fallback = fallbackMatch
    for (const override of scenario.overrides ?? []) {
      const mode = override.mode ?? 'pin'
      if (override.step !== undefined && override.agent !== undefined && keyMatchesStep(override.step, step))
        rule.override = { agent: override.agent, mode }
      else if (
        override.addressedSkill === true &&
        addressed !== undefined &&
        addressed.capability === step.need
      )
        rule.override = { agent: addressed.agent, mode }
    }
    const own = ownSteps.get(step.id)
    if (own?.inputs !== undefined) rule.inputs = own.inputs
    if (own?.outputs !== undefined) rule.outputs = own.outputs
    rules.set(step.id, rule)
    return { ...step, ...(prefer === undefined ? {} : { prefer }) }
  })
  const policies = [...new Set([...(request.policies ?? []), ...(scenario.defaults?.policies ?? [])])]
  const residencies = [request.dataResidency, scenario.defaults?.dataResidency]
  const dataResidency = residencies.includes('local')
    ? 'local'
    : residencies.find((value) => value !== undefined)
  const plan: ResolveRequestPayload = {
    ...(request.planId === undefined ? {} : { planId: request.planId }),
    steps: planSteps,
    ...(policies.length === 0 ? {} : { policies }),
    ...(dataResidency === undefined ? {} : { dataResidency }),
    ...(addressedSkill === undefined ? {} : { addressedSkill }),
    ...(preferAgent === undefined ? {} : { preferAgent }),
    scenario: scenario.scenario,
  }
  return { plan, routing: (stepId, candidate) => verdict(rules.get(stepId), candidate) }
}

export interface ScenarioBodyExtras {
  planId?: string
  sessionId?: string
  slots?: Record<string, unknown>
}

/**
 * The POST /resolve body that resolves `scenario` on any hub, whether or not it loaded the file:
 * the scenario travels inline (decision 2040). Give it a name instead to use the hub's copy.
 */
export function scenarioResolveBody(
  scenario: Scenario | string,
  extras: ScenarioBodyExtras = {},
): Record<string, unknown> {
  return { scenario, ...extras }
}
