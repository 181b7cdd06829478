import {
  HubError,
  type ResolveRequestPayload,
  renderValue,
  type ValidationIssue,
} from '../contracts/index.ts'
import type { StepRouter } from './resolver.ts'
import type { ScenarioBook } from './scenario-book.ts'
import { compileScenario } from './scenario-compile.ts'
import { checkScenarioValue } from './scenario-load.ts'
import { nearest } from './scenario-semantics.ts'
import type { Scenario } from './scenario-types.ts'

// A resolve request that names a scenario (POST /resolve, resolve.request) becomes the plan the
// resolver takes plus the scenario's routing rules. `scenario` is the name of a scenario the hub
// loaded (federation.scenarios), or over HTTP an inline scenario object (decision 2040). Without
// steps, the scenario's own steps are the plan.

function refuse(issues: ValidationIssue[]): HubError {
  const first = issues[0] as ValidationIssue
  return new HubError('E_VALIDATION', `plan ${first.path || '/'}: ${first.message}`, { details: { issues } })
}

function scenarioOf(value: unknown, book: ScenarioBook | undefined): Scenario {
  if (typeof value === 'string') {
    const found = book?.get(value)
    if (found !== undefined) return found
    const names = book?.list().map((entry) => entry.scenario) ?? []
    const guess = nearest(value, names)
    throw refuse([
      {
        path: '/scenario',
        expected:
          names.length === 0 ? 'a scenario this hub loaded (it loaded none)' : `one of ${names.join(', ')}`,
        got: renderValue(value),
        message:
          names.length === 0
            ? `this hub has no scenario ${value}: list scenario files under federation.scenarios in its manifest, or send the scenario inline`
            : `this hub has no scenario ${value}${guess === undefined ? '' : ` (did you mean ${guess}?)`}`,
      },
    ])
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const checked = checkScenarioValue(value)
    if (checked.ok) return checked.scenario
    throw refuse(checked.issues.map((issue) => ({ ...issue, path: `/scenario${issue.path}` })))
  }
  throw refuse([
    {
      path: '/scenario',
      expected: 'a scenario name or a scenario object',
      got: renderValue(value),
      message: 'scenario must name a scenario of the hub or be a scenario (docs/scenarios.md)',
    },
  ])
}

/**
 * The plan to resolve and the routing rules, for a request body (slots and sessionId already
 * taken out). `check` validates a resolve.request payload against the catalog (throws).
 */
export function prepareScenarioRequest(
  plan: unknown,
  book: ScenarioBook | undefined,
  check: (payload: unknown) => void,
): { plan: unknown; routing?: StepRouter } {
  if (plan === null || typeof plan !== 'object' || Array.isArray(plan) || !Object.hasOwn(plan, 'scenario'))
    return { plan }
  const { scenario: named, ...rest } = plan as Record<string, unknown>
  const scenario = scenarioOf(named, book)
  const ownSteps = scenario.steps?.map(({ id, need, dependsOn }) => ({
    id,
    need,
    ...(dependsOn === undefined ? {} : { dependsOn }),
  }))
  const steps = rest.steps ?? ownSteps
  if (steps === undefined) {
    throw refuse([
      {
        path: '/steps',
        expected: 'steps in the request or in the scenario',
        got: renderValue(undefined),
        message: `scenario ${scenario.scenario} has no steps of its own; send the plan's steps with it`,
      },
    ])
  }
  // The request as the catalog sees it (its pointers are the body's), then compiled.
  const request = { ...rest, steps, scenario: scenario.scenario }
  check(request)
  const { scenario: _name, steps: _steps, ...fields } = request as ResolveRequestPayload
  // The scenario's step formats apply to its own steps only, so its steps are left to it here.
  const compiled = compileScenario(
    scenario,
    rest.steps === undefined ? fields : (request as ResolveRequestPayload),
  )
  return { plan: compiled.plan, routing: compiled.routing }
}
