// The Registry view's pure parts (web/src/components/registry-panel.tsx): what GET /registry lists,
// read tolerantly, how long an agent's lease has left, and which events of the live stream change
// the registry or a plan, so the view reloads when one arrives instead of waiting for its poll.
import type { Envelope } from '../../../src/contracts/index.ts'
import type { EventStore } from './event-store.ts'

export interface RegistryCapability {
  id: string
  prio?: number
  cost?: string
  inputs?: string[]
  outputs?: string[]
  tags?: string[]
  probe?: string
  probeOk: boolean
  probeLatencyMs?: number
}

export interface RegistryAgent {
  agent: string
  kind: string
  status: string
  leased: boolean
  leaseExpiresAt: string
  lastSeenAt: string
  load: number
  rttMs: Record<string, number>
  capabilities: RegistryCapability[]
}

/** Types whose arrival means GET /registry (or the plans list) changed. */
const REGISTRY_TYPES = /^(registry\.|route\.changed$|exec\.lease\.granted$|scenario\.completed$)/
/** How far back from the newest event the view looks on each batch. */
const SCAN_LIMIT = 500

export function isRegistryEvent(type: string): boolean {
  return REGISTRY_TYPES.test(type)
}

/** The id of the newest registry-changing event held (a reload key), or '' when there is none. */
export function latestRegistryEventId(store: Pick<EventStore, 'size' | 'at'>): string {
  for (let index = store.size - 1; index >= Math.max(0, store.size - SCAN_LIMIT); index--) {
    const event = store.at(index)
    if (event !== undefined && isRegistryEvent(event.type)) return event.id
  }
  return ''
}

/** The newest route.changed and exec.lease.granted events, newest first. */
export function recentPlanEvents(store: Pick<EventStore, 'size' | 'at'>, max = 20): Envelope[] {
  const found: Envelope[] = []
  for (
    let index = store.size - 1;
    index >= Math.max(0, store.size - SCAN_LIMIT) && found.length < max;
    index--
  ) {
    const event = store.at(index)
    if (event !== undefined && (event.type === 'route.changed' || event.type === 'exec.lease.granted'))
      found.push(event)
  }
  return found
}

/**
 * "4 s left", "expired 2 s ago". The hub's `leased` decides which: the page's clock ticks once a
 * second and may lag the moment the hub saw the lease run out.
 */
export function leaseText(agent: Pick<RegistryAgent, 'leaseExpiresAt' | 'leased'>, now: number): string {
  const remaining = Date.parse(agent.leaseExpiresAt) - now
  if (!Number.isFinite(remaining)) return '?'
  const seconds = Math.round(Math.max(0, agent.leased ? remaining : -remaining) / 1000)
  return agent.leased ? `${seconds} s left` : `expired ${seconds} s ago`
}

/** What the status column says: the agent's own status, or that its lease ran out. */
export function agentState(agent: Pick<RegistryAgent, 'status' | 'leased'>): string {
  return agent.leased ? agent.status : 'lease expired'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The agents of a GET /registry answer; entries that are not agents are left out. */
export function agentsOf(data: unknown): RegistryAgent[] {
  const agents = isRecord(data) && Array.isArray(data.agents) ? data.agents : []
  return agents.filter(
    (agent): agent is RegistryAgent =>
      isRecord(agent) && typeof agent.agent === 'string' && Array.isArray(agent.capabilities),
  )
}
