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
}

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
  const { order, stepPrefer, planPrefer, addressed } = checked.value
  const policies = plan.policies ?? []
  const bound = new Map<string, Chosen>()
  const bindings: Binding[] = []
  for (const position of order) {
    const step = plan.steps[position] as ResolveRequestPayload['steps'][number]
    const dependsOn = [...new Set(step.dependsOn ?? [])]
    const excluded = options.exclude?.get(step.id)
    const refused = { excluded: 0, policy: 0, format: 0 }
    let best: { chosen: Chosen; score: number; inputs: FormatEdge[] } | undefined
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
      if (target.agent === pinnedAgent) kept = { chosen: candidate, score, inputs }
      if (
        best === undefined ||
        score > best.score ||
        (score === best.score && target.agent < best.chosen.agent.agent)
      ) {
        best = { chosen: candidate, score, inputs }
      }
    }
    if (kept !== undefined) best = kept
    if (best === undefined) {
      throw new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        `no available agent can run step ${step.id} (${step.need})`,
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
