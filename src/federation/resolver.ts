import { HubError, type ResolveRequestPayload } from '../contracts/index.ts'
import type { AgentRecord, CapabilityRecord, CapabilityRegistry } from './capability-registry.ts'
import type { FederationConfig } from './federation-options.ts'
import { checkPlan } from './plan-dag.ts'
import { CLOUD_TAG, COST_VALUES, METERED_TAG, policyFit, rttBetween, scoreOf } from './scoring.ts'

// Seed 001's resolver: steps in dependency order; for each, the agents with the capability and a
// running lease, minus those a policy forbids or whose inputs share no format with what the
// steps it depends on produce; the best score wins (ties: the agent URI, so results repeat).

export interface FormatEdge {
  /** The step this one consumes from. */
  from: string
  /** producer.outputs ∩ consumer.inputs; absent when either side declares no formats. */
  formats?: string[]
}

export interface Binding {
  stepId: string
  agent: string
  capability: string
  score: number
  dependsOn: string[]
  inputs: FormatEdge[]
}

export interface ResolveOptions {
  /** Agents not to use for a step (a re-plan after a failure excludes the failed agent). */
  exclude?: ReadonlyMap<string, ReadonlySet<string>>
  /**
   * stepId → agent the step is bound to already (a plan resolved again): kept while it is still a
   * valid candidate, so a step moves only when its agent fails, not when scores wobble.
   */
  pinned?: ReadonlyMap<string, string>
  /**
   * stepId → agent taken as bound without checking availability (a re-plan of one step keeps the
   * others where they are: finished ones need not be reachable any more). Ignored for a step
   * whose agent no longer announces the capability.
   */
  fixed?: ReadonlyMap<string, string>
  // ---- scenario DSL (src/federation/scenario-compile.ts builds it; decision 2042) ----
  /**
   * A scenario's per-step rules (forbid, overrides, fallback, step formats): refuses a candidate
   * with a reason counted in E_DEPENDENCY_UNAVAILABLE's details.refused, or ranks it; a lower
   * rank wins before the score is compared.
   */
  routing?: StepRouter
  // ---- end scenario DSL ----
}

// ---- scenario DSL ----
export interface RoutingCandidate {
  agent: string
  kind: string
  tags: readonly string[]
  inputs?: readonly string[]
  outputs?: readonly string[]
}
export type RoutingVerdict = { refused: string } | { rank: number }
export type StepRouter = (stepId: string, candidate: RoutingCandidate) => RoutingVerdict
// ---- end scenario DSL ----

interface Chosen {
  agent: AgentRecord
  capability: CapabilityRecord
}

function intersect(
  outputs: readonly string[] | undefined,
  inputs: readonly string[] | undefined,
): string[] | undefined | null {
  if (outputs === undefined || inputs === undefined) return undefined
  const common = inputs.filter((format) => outputs.includes(format))
  return common.length === 0 ? null : common
}

// ---- scenario DSL ----
const BUILT_IN_REFUSALS = new Set(['excluded', 'policy', 'format'])
/** ` — the scenario refused 2 (forbid 2)` when scenario rules took candidates away, else ''. */
function refusedByRules(refused: Readonly<Record<string, number>>): string {
  const counts = Object.entries(refused).filter(
    ([reason, count]) => !BUILT_IN_REFUSALS.has(reason) && count > 0,
  )
  if (counts.length === 0) return ''
  const total = counts.reduce((sum, [, count]) => sum + count, 0)
  return ` — the scenario's rules refused ${total} (${counts.map(([reason, count]) => `${reason} ${count}`).join(', ')})`
}
// ---- end scenario DSL ----

/** Binds every step of `plan` or throws a HubError (E_VALIDATION for the plan, E_DEPENDENCY_UNAVAILABLE for a step). */
export function resolvePlan(
  plan: ResolveRequestPayload,
  registry: CapabilityRegistry,
  config: FederationConfig,
  now: number,
  options: ResolveOptions = {},
): Binding[] {
  const checked = checkPlan(plan)
  if (!checked.ok) {
    const first = checked.issues[0]
    throw new HubError('E_VALIDATION', `plan ${first?.path}: ${first?.message}`, {
      details: { issues: checked.issues },
    })
  }
  // ---- scenario DSL: a plan naming a scenario carries rules only its compiled routing holds ----
  if (plan.scenario !== undefined && options.routing === undefined) {
    throw new HubError(
      'E_VALIDATION',
      `plan /scenario: scenario ${plan.scenario} was not compiled; resolve it through the federation service`,
      {
        details: {
          issues: [
            {
              path: '/scenario',
              expected: 'a compiled scenario',
              got: plan.scenario,
              message: 'resolve scenarios through FederationService.resolve',
            },
          ],
        },
      },
    )
  }
  // ---- end scenario DSL ----
  const { order, stepPrefer, planPrefer, addressed } = checked.value
  const policies = plan.policies ?? []
  const bound = new Map<string, Chosen>()
  const bindings: Binding[] = []
  for (const position of order) {
    const step = plan.steps[position] as ResolveRequestPayload['steps'][number]
    const dependsOn = [...new Set(step.dependsOn ?? [])]
    const fixedAgent = options.fixed?.get(step.id)
    const fixedRecord = fixedAgent === undefined ? undefined : registry.get(fixedAgent)
    const fixedCapability = fixedRecord?.capabilities.get(step.need)
    if (fixedRecord !== undefined && fixedCapability !== undefined) {
      bound.set(step.id, { agent: fixedRecord, capability: fixedCapability })
      const inputs = dependsOn.map((from) => ({ from }))
      bindings.push({
        stepId: step.id,
        agent: fixedRecord.agent,
        capability: step.need,
        score: 0,
        dependsOn,
        inputs,
      })
      continue
    }
    const excluded = options.exclude?.get(step.id)
    // Scenario rules add their own reasons (forbid, override, fallback, step_format).
    const refused: { excluded: number; policy: number; format: number; [reason: string]: number } = {
      excluded: 0,
      policy: 0,
      format: 0,
    }
    let best: { chosen: Chosen; score: number; inputs: FormatEdge[]; rank: number } | undefined
    let kept: typeof best
    const pinnedAgent = options.pinned?.get(step.id)
    const candidates = registry.candidates(step.need, now)
    for (const candidate of candidates) {
      if (excluded?.has(candidate.agent.agent)) {
        refused.excluded++
        continue
      }
      const tags = candidate.capability.tags
      if (
        (policies.includes('no-metered') && tags.includes(METERED_TAG)) ||
        (plan.dataResidency === 'local' && tags.includes(CLOUD_TAG))
      ) {
        refused.policy++
        continue
      }
      // ---- scenario DSL: forbid / overrides / fallback / step formats ----
      let rank = 0
      if (options.routing !== undefined) {
        const verdict = options.routing(step.id, {
          agent: candidate.agent.agent,
          kind: candidate.agent.kind,
          tags,
          ...(candidate.capability.inputs === undefined ? {} : { inputs: candidate.capability.inputs }),
          ...(candidate.capability.outputs === undefined ? {} : { outputs: candidate.capability.outputs }),
        })
        if ('refused' in verdict) {
          refused[verdict.refused] = (refused[verdict.refused] ?? 0) + 1
          continue
        }
        rank = verdict.rank
      }
      // ---- end scenario DSL ----
      const inputs: FormatEdge[] = []
      let compatible = true
      let rttMs = 0
      for (const dependency of dependsOn) {
        const producer = bound.get(dependency) as Chosen
        const common = intersect(producer.capability.outputs, candidate.capability.inputs)
        if (common === null) {
          compatible = false
          break
        }
        inputs.push(common === undefined ? { from: dependency } : { from: dependency, formats: common })
        rttMs += rttBetween(candidate.agent, producer.agent, config)
      }
      if (!compatible) {
        refused.format++
        continue
      }
      const target = { agent: candidate.agent.agent, kind: candidate.agent.kind, tags }
      const stepHint = stepPrefer.get(step.id)
      const score = scoreOf(
        {
          prio: candidate.capability.prio ?? config.defaultPrio,
          prioBase: candidate.agent.prioBase ?? config.defaultPrio,
          load: candidate.agent.load,
          rttMs,
          cost: COST_VALUES[candidate.capability.cost ?? 'low'],
          policyFit: policyFit(policies, candidate.capability, rttMs),
          addressed:
            addressed !== undefined && addressed.agent === target.agent && addressed.capability === step.need,
          preferred: (stepHint ?? planPrefer)?.(target) ?? false,
        },
        config,
      )
      if (target.agent === pinnedAgent) kept = { chosen: candidate, score, inputs, rank }
      if (
        best === undefined ||
        rank < best.rank ||
        (rank === best.rank &&
          (score > best.score || (score === best.score && target.agent < best.chosen.agent.agent)))
      ) {
        best = { chosen: candidate, score, inputs, rank }
      }
    }
    // A re-resolved step stays on its agent unless a scenario rule ranks another one first.
    if (kept !== undefined && (best === undefined || kept.rank <= best.rank)) best = kept
    if (best === undefined) {
      throw new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        `no available agent can run step ${step.id} (${step.need})${refusedByRules(refused)}`,
        {
          details: { stepId: step.id, need: step.need, available: candidates.length, refused },
        },
      )
    }
    bound.set(step.id, best.chosen)
    bindings.push({
      stepId: step.id,
      agent: best.chosen.agent.agent,
      capability: step.need,
      score: best.score,
      dependsOn,
      inputs: best.inputs,
    })
  }
  return bindings
}
