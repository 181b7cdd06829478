// Hand-written mirror of catalog/scenario.schema.json (the scenario DSL, version 1; docs/scenarios.md).
// Keep the two in step: the schema is the contract, these types are how the code reads it.

export type ScenarioPolicy = 'low-latency' | 'private' | 'low-cost' | 'no-metered'
export type AgentKind = 'hub' | 'member' | 'browser'

export interface ScenarioStep {
  id: string
  need: string
  dependsOn?: string[]
  /** Formats the step's agent must accept. */
  inputs?: string[]
  /** Formats the step's agent must produce. */
  outputs?: string[]
}

export interface ForbidRule {
  agents?: string[]
  kinds?: AgentKind[]
  tags?: string[]
}

/** One hint for every step, or step id / capability → hint. */
export type HintRule = string | Readonly<Record<string, string>>

export interface ScenarioRouting {
  prefer?: HintRule
  fallback?: HintRule
  forbid?: ForbidRule & { steps?: Readonly<Record<string, ForbidRule>> }
}

export type OverrideMode = 'pin' | 'pin_if_available'

export interface ScenarioOverride {
  step?: string
  agent?: string
  addressedSkill?: true
  mode?: OverrideMode
}

export interface Scenario {
  scenario: string
  version: 1
  description?: string
  defaults?: { policies?: ScenarioPolicy[]; dataResidency?: 'local' | 'cloud-ok' }
  addressedSkill?: string
  steps?: ScenarioStep[]
  routing?: ScenarioRouting
  overrides?: ScenarioOverride[]
}
