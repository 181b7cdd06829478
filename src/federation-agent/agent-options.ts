import type { DispatchKeyPair } from './sealed-grant.ts'

// What an agent offers (its capability manifest plus handlers) and how it reaches its hub.

/** Seed 001: a heartbeat every 5-10 s. */
export const DEFAULT_AGENT_HEARTBEAT_MS = 5000
/** The lease the agent asks for: three heartbeats, so one lost heartbeat does not take it down. */
export const DEFAULT_AGENT_TTL_MS = 15_000
/** Reconnects of the dispatch stream in a row before the agent gives up (at 250 ms each: ~4 min). */
export const DEFAULT_AGENT_TAIL_RETRIES = 1000

/** What a handler is given: the step, the plan's slots and the outputs of the steps it depends on. */
export interface StepContext {
  planId: string
  stepId: string
  capability: string
  attempt: number
  slots: Record<string, unknown>
  /** stepId → output of each step this one depends on. */
  inputs: Record<string, unknown>
  /** Aborted when the agent is stopped. */
  signal: AbortSignal
}

export interface AgentCapability {
  /** capability://name */
  id: string
  prio?: number
  cost?: 'low' | 'medium' | 'high'
  inputs?: string[]
  outputs?: string[]
  tags?: string[]
  /** The capability's own check, run before every heartbeat; false or a throw reports the probe failed. */
  probe?: () => boolean | Promise<boolean>
  /** What the manifest shows as the probe (default "local check" when probe is set). */
  probeDescription?: string
  /** Runs one dispatched step; the object returned is the step's output (at most 50 keys). */
  handler: (
    context: StepContext,
  ) => Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined
}

export interface AgentDefinition {
  /** agent://member/<id>, agent://hub/<id> or agent://browser/<id> */
  agent: string
  prioBase?: number
  capabilities: AgentCapability[]
}

export interface AgentOptions {
  /** The hub's base URL, e.g. http://192.168.1.10:8787. */
  hubUrl: string
  /** A token the hub accepts (today the hub's own: principals are not built). */
  token: string
  heartbeatMs?: number
  ttlMs?: number
  /** Kept across restarts if given; a fresh key pair per run otherwise. */
  keys?: DispatchKeyPair
  /** Told about failures that do not stop the agent (a heartbeat that did not go through, a refused start). */
  onError?: (error: unknown) => void
  /** Told about each step as it moves (for logs and tests). */
  onStep?: (event: {
    planId: string
    stepId: string
    leaseId: string
    phase: 'started' | 'completed' | 'failed' | 'refused'
    detail?: string
  }) => void
  /** The load to report (default: the 1-minute load average per core of this machine). */
  load?: () => number
  fetch?: typeof fetch
}
