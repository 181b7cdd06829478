import { HubError } from '../contracts/index.ts'

// The resolver's weights and the registry's limits. Weights follow seed 001's scoring formula
// (docs/federation.md): prio and prioBase are 0..100, load is a 0..1+ fraction, rtt is in ms,
// cost is 0 (low) / 1 (medium) / 2 (high), policy fit is 0..1, addressed and prefer are 0 or 1.

export interface ScoreWeights {
  /** × the capability's prio (0..100). */
  prio: number
  /** × the agent's prioBase (0..100). */
  base: number
  /** × the agent's load (subtracted). */
  load: number
  /** × the rtt in ms to the agents of adjacent steps (subtracted). */
  rtt: number
  /** × the capability's cost 0/1/2 (subtracted). */
  cost: number
  /** × the policy fit 0..1 of the plan's policies. */
  policy: number
  /** Added when the candidate is the addressed skill's agent and capability. */
  addressed: number
  /** Added when the candidate matches the step's prefer hint or the plan's preferAgent. */
  prefer: number
}

export const DEFAULT_WEIGHT_PRIO = 1
export const DEFAULT_WEIGHT_BASE = 0.5
export const DEFAULT_WEIGHT_LOAD = 20
export const DEFAULT_WEIGHT_RTT_PER_MS = 0.1
export const DEFAULT_WEIGHT_COST = 5
export const DEFAULT_WEIGHT_POLICY = 10
/** Large enough that an available addressed agent wins over any prio difference (seed: pin_to_addressed). */
export const DEFAULT_WEIGHT_ADDRESSED = 1000
export const DEFAULT_WEIGHT_PREFER = 50

export const DEFAULT_SCORE_WEIGHTS: Readonly<ScoreWeights> = Object.freeze({
  prio: DEFAULT_WEIGHT_PRIO,
  base: DEFAULT_WEIGHT_BASE,
  load: DEFAULT_WEIGHT_LOAD,
  rtt: DEFAULT_WEIGHT_RTT_PER_MS,
  cost: DEFAULT_WEIGHT_COST,
  policy: DEFAULT_WEIGHT_POLICY,
  addressed: DEFAULT_WEIGHT_ADDRESSED,
  prefer: DEFAULT_WEIGHT_PREFER,
})

/** prio / prioBase assumed when a manifest leaves them out (the middle of 0..100). */
export const DEFAULT_PRIO = 50
/** Assumed rtt between two different agents when neither reports one. */
export const DEFAULT_UNKNOWN_RTT_MS = 50
/** How long an exec token (and the step's lease) is valid. */
export const DEFAULT_EXEC_TOKEN_TTL_MS = 60_000
/** Agents the registry holds at most; more announces are refused (E_RESOURCE_LIMIT). */
export const DEFAULT_MAX_AGENTS = 10_000
/** Plans whose bindings are remembered for re-resolving (oldest forgotten first). */
export const DEFAULT_MAX_PLANS = 1000
/** Unexpired step leases held at most; a resolve beyond that is refused (E_RESOURCE_LIMIT). */
export const DEFAULT_MAX_LEASES = 100_000
/** Wait before publishing lease expiries again after a publish failed. */
export const DEFAULT_SWEEP_RETRY_MS = 1000
/**
 * How long a dispatched step may wait to be started (POST /exec) before it moves to the next
 * candidate (seed 001's startup_sla; the seed gives no figure: 5 s is two heartbeats' worth).
 */
export const DEFAULT_STARTUP_SLA_MS = 5000
/** Shortest and longest startup SLA accepted (option or a resolve's startupSlaMs). */
export const MIN_STARTUP_SLA_MS = 50
export const MAX_STARTUP_SLA_MS = 600_000
/** Largest exec token accepted for verification, in characters. */
export const DEFAULT_MAX_TOKEN_CHARS = 4096

export interface FederationOptions {
  weights?: Partial<ScoreWeights>
  defaultPrio?: number
  unknownRttMs?: number
  execTokenTtlMs?: number
  maxAgents?: number
  maxPlans?: number
  maxLeases?: number
  sweepRetryMs?: number
  startupSlaMs?: number
}

export interface FederationConfig {
  readonly weights: Readonly<ScoreWeights>
  readonly defaultPrio: number
  readonly unknownRttMs: number
  readonly execTokenTtlMs: number
  readonly maxAgents: number
  readonly maxPlans: number
  readonly maxLeases: number
  readonly sweepRetryMs: number
  readonly startupSlaMs: number
}

function finite(name: string, value: number, minimum: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
    throw new HubError('E_BAD_REQUEST', `federation option ${name} must be a number >= ${minimum}`, {
      details: { option: name, got: value },
    })
  }
}

/** Spreads the defaults, checks every value and freezes the result. */
export function resolveFederationOptions(options: FederationOptions = {}): FederationConfig {
  const weights = { ...DEFAULT_SCORE_WEIGHTS, ...(options.weights ?? {}) }
  for (const [name, value] of Object.entries(weights)) finite(`weights.${name}`, value, 0)
  for (const name of Object.keys(options.weights ?? {})) {
    if (!Object.hasOwn(DEFAULT_SCORE_WEIGHTS, name)) {
      throw new HubError('E_BAD_REQUEST', `unknown federation weight ${name}`, {
        details: { option: `weights.${name}`, expected: Object.keys(DEFAULT_SCORE_WEIGHTS).join(', ') },
      })
    }
  }
  const config = {
    weights: Object.freeze(weights),
    defaultPrio: options.defaultPrio ?? DEFAULT_PRIO,
    unknownRttMs: options.unknownRttMs ?? DEFAULT_UNKNOWN_RTT_MS,
    execTokenTtlMs: options.execTokenTtlMs ?? DEFAULT_EXEC_TOKEN_TTL_MS,
    maxAgents: options.maxAgents ?? DEFAULT_MAX_AGENTS,
    maxPlans: options.maxPlans ?? DEFAULT_MAX_PLANS,
    maxLeases: options.maxLeases ?? DEFAULT_MAX_LEASES,
    sweepRetryMs: options.sweepRetryMs ?? DEFAULT_SWEEP_RETRY_MS,
    startupSlaMs: options.startupSlaMs ?? DEFAULT_STARTUP_SLA_MS,
  }
  finite('defaultPrio', config.defaultPrio, 0)
  finite('unknownRttMs', config.unknownRttMs, 0)
  finite('execTokenTtlMs', config.execTokenTtlMs, 1000)
  finite('maxAgents', config.maxAgents, 1)
  finite('maxPlans', config.maxPlans, 1)
  finite('maxLeases', config.maxLeases, 1)
  finite('sweepRetryMs', config.sweepRetryMs, 1)
  finite('startupSlaMs', config.startupSlaMs, MIN_STARTUP_SLA_MS)
  if (config.startupSlaMs > MAX_STARTUP_SLA_MS) {
    throw new HubError('E_BAD_REQUEST', `federation option startupSlaMs must be <= ${MAX_STARTUP_SLA_MS}`, {
      details: { option: 'startupSlaMs', got: config.startupSlaMs },
    })
  }
  return Object.freeze(config)
}
