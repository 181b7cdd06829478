import type { AgentRecord, CapabilityCost, CapabilityRecord } from './capability-registry.ts'
import type { FederationConfig } from './federation-options.ts'

// Seed 001's formula:
//   score = w_prio·cap.prio + w_base·agent.prioBase − w_load·agent.load − w_rtt·rtt_to_adjacent_steps
//         − w_cost·cap.cost + w_policy·policy_fit + w_addressed·[addressed] (+ w_prefer·[prefer hint])
// The prefer term is ours: the seed applies prefer hints before scoring; a weighted term lets a
// strong candidate still win over a weak preferred one when the weights say so (decision 2001).

export const COST_VALUES: Readonly<Record<CapabilityCost, number>> = Object.freeze({
  low: 0,
  medium: 1,
  high: 2,
})
/** The rtt beyond which low-latency fit is 0. */
export const LOW_LATENCY_FULL_PENALTY_MS = 500
export const CLOUD_TAG = 'residency:cloud'
export const METERED_TAG = 'network:metered'

export interface ScoreTerms {
  prio: number
  prioBase: number
  load: number
  rttMs: number
  cost: number
  policyFit: number
  addressed: boolean
  preferred: boolean
}

export function scoreOf(terms: ScoreTerms, config: FederationConfig): number {
  const w = config.weights
  return (
    w.prio * terms.prio +
    w.base * terms.prioBase -
    w.load * terms.load -
    w.rtt * terms.rttMs -
    w.cost * terms.cost +
    w.policy * terms.policyFit +
    (terms.addressed ? w.addressed : 0) +
    (terms.preferred ? w.prefer : 0)
  )
}

/** Rtt from `from` to `to` as either side reports it (by agent URI, then by kind), else the default. */
export function rttBetween(from: AgentRecord, to: AgentRecord, config: FederationConfig): number {
  if (from.agent === to.agent) return 0
  return (
    from.rttMs[to.agent] ??
    from.rttMs[to.kind] ??
    to.rttMs[from.agent] ??
    to.rttMs[from.kind] ??
    config.unknownRttMs
  )
}

/** Mean fit (0..1) of the soft policies; 0 when the plan names none. */
export function policyFit(policies: readonly string[], capability: CapabilityRecord, rttMs: number): number {
  const fits: number[] = []
  for (const policy of policies) {
    if (policy === 'private') fits.push(capability.tags.includes(CLOUD_TAG) ? 0 : 1)
    else if (policy === 'low-cost') fits.push(1 - COST_VALUES[capability.cost ?? 'low'] / 2)
    else if (policy === 'low-latency')
      fits.push(1 - Math.min(rttMs, LOW_LATENCY_FULL_PENALTY_MS) / LOW_LATENCY_FULL_PENALTY_MS)
  }
  return fits.length === 0 ? 0 : fits.reduce((sum, fit) => sum + fit, 0) / fits.length
}
