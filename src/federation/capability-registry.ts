import type {
  RegistryCapabilityAnnouncedPayload,
  RegistryHeartbeatPayload,
  RegistryLeaseExpiredPayload,
} from '../contracts/index.ts'

// The registry of agents and their capabilities. Its state changes only through `apply(event)`, so
// replaying the stored registry.* events after a restart rebuilds it (decision 2000). Leases are
// compared with the caller's clock; nothing here starts a timer.

export const ANNOUNCED_TYPE = 'registry.capability.announced'
export const HEARTBEAT_TYPE = 'registry.heartbeat'
export const LEASE_EXPIRED_TYPE = 'registry.lease.expired'
export const REGISTRY_TYPES: readonly string[] = Object.freeze([
  ANNOUNCED_TYPE,
  HEARTBEAT_TYPE,
  LEASE_EXPIRED_TYPE,
])

export type AgentKind = 'hub' | 'member' | 'browser'
export type AgentStatus = 'up' | 'degraded' | 'down'
export type CapabilityCost = 'low' | 'medium' | 'high'

/** What the registry needs of an event: its type, time and payload (an Envelope has more). */
export interface RegistryEvent {
  type: string
  ts: string
  payload: unknown
}

export interface CapabilityRecord {
  readonly id: string
  readonly prio: number | undefined
  readonly cost: CapabilityCost | undefined
  readonly probe: string | undefined
  readonly inputs: readonly string[] | undefined
  readonly outputs: readonly string[] | undefined
  readonly tags: readonly string[]
}

export interface AgentRecord {
  readonly agent: string
  readonly kind: AgentKind
  readonly prioBase: number | undefined
  readonly capabilities: ReadonlyMap<string, CapabilityRecord>
  /** X25519 key (hex) the agent's dispatched exec tokens are sealed to; absent: not dispatched to. */
  readonly dispatchPublicKey: string | undefined
  status: AgentStatus
  ttlMs: number
  /** Unix ms: the lease holds while now < leaseExpiresAt. */
  leaseExpiresAt: number
  lastSeenAt: number
  /** Set once registry.lease.expired was applied for the current lease; a heartbeat clears it. */
  expiredMarked: boolean
  load: number
  rttMs: Record<string, number>
  /** Capabilities whose last probe failed. */
  failedProbes: Set<string>
  /** The latency each capability's last probe reported (shown, not scored). */
  probeLatencyMs: Map<string, number>
}

/** An agent as GET /registry shows it. */
export interface AgentView {
  agent: string
  kind: AgentKind
  prioBase?: number
  /** The agent receives its steps as exec.step.dispatched (it announced a dispatchPublicKey). */
  dispatched: boolean
  status: AgentStatus
  leased: boolean
  leaseExpiresAt: string
  lastSeenAt: string
  load: number
  rttMs: Record<string, number>
  capabilities: Array<{
    id: string
    prio?: number
    cost?: CapabilityCost
    inputs?: readonly string[]
    outputs?: readonly string[]
    tags?: readonly string[]
    /** The agent's own check, as announced (the hub does not run it; results come in heartbeats). */
    probe?: string
    probeOk: boolean
    probeLatencyMs?: number
  }>
}

export interface DueExpiry {
  agent: string
  expiredAt: number
  lastSeenAt: number
}

function capabilityOf(item: RegistryCapabilityAnnouncedPayload['capabilities'][number]): CapabilityRecord {
  return Object.freeze({
    id: item.id,
    prio: item.prio,
    cost: item.cost,
    probe: item.probe,
    inputs: item.inputs === undefined ? undefined : Object.freeze([...item.inputs]),
    outputs: item.outputs === undefined ? undefined : Object.freeze([...item.outputs]),
    tags: Object.freeze([...(item.tags ?? [])]),
  })
}

export class CapabilityRegistry {
  readonly #agents = new Map<string, AgentRecord>()
  /** capability id → agents announcing it, so a resolve does not scan every agent. */
  readonly #byCapability = new Map<string, Set<string>>()

  get size(): number {
    return this.#agents.size
  }

  has(agent: string): boolean {
    return this.#agents.has(agent)
  }

  get(agent: string): AgentRecord | undefined {
    return this.#agents.get(agent)
  }

  /** Applies one registry.* event (others are ignored); payloads are trusted to be valid already. */
  apply(event: RegistryEvent): void {
    const at = Date.parse(event.ts)
    if (!Number.isFinite(at)) return
    if (event.type === ANNOUNCED_TYPE) this.#announce(event.payload as RegistryCapabilityAnnouncedPayload, at)
    else if (event.type === HEARTBEAT_TYPE) this.#heartbeat(event.payload as RegistryHeartbeatPayload, at)
    else if (event.type === LEASE_EXPIRED_TYPE) {
      const record = this.#agents.get((event.payload as RegistryLeaseExpiredPayload).agent)
      // Only the lease that was running at that time: a later heartbeat's lease stays.
      if (record !== undefined && record.leaseExpiresAt <= at) record.expiredMarked = true
    }
  }

  #announce(payload: RegistryCapabilityAnnouncedPayload, at: number): void {
    const previous = this.#agents.get(payload.agent)
    if (previous !== undefined) this.#unindex(previous)
    const capabilities = new Map<string, CapabilityRecord>()
    for (const item of payload.capabilities) capabilities.set(item.id, capabilityOf(item))
    const record: AgentRecord = {
      agent: payload.agent,
      kind: payload.kind,
      prioBase: payload.prioBase,
      capabilities,
      dispatchPublicKey: payload.dispatchPublicKey,
      status: payload.availability.status,
      ttlMs: payload.availability.ttlMs,
      leaseExpiresAt: at + payload.availability.ttlMs,
      lastSeenAt: at,
      expiredMarked: false,
      load: payload.telemetry?.load ?? 0,
      rttMs: { ...(payload.telemetry?.rttMs ?? {}) },
      failedProbes: new Set(),
      probeLatencyMs: new Map(),
    }
    this.#agents.set(payload.agent, record)
    for (const id of capabilities.keys()) {
      let agents = this.#byCapability.get(id)
      if (agents === undefined) {
        agents = new Set()
        this.#byCapability.set(id, agents)
      }
      agents.add(payload.agent)
    }
  }

  #unindex(record: AgentRecord): void {
    for (const id of record.capabilities.keys()) {
      const agents = this.#byCapability.get(id)
      agents?.delete(record.agent)
      if (agents?.size === 0) this.#byCapability.delete(id)
    }
  }

  #heartbeat(payload: RegistryHeartbeatPayload, at: number): void {
    const record = this.#agents.get(payload.agent)
    if (record === undefined) return
    record.status = payload.status
    record.ttlMs = payload.ttlMs
    // A heartbeat older than what is known (out of order delivery) must not shorten the lease.
    record.leaseExpiresAt = Math.max(record.leaseExpiresAt, at + payload.ttlMs)
    record.lastSeenAt = Math.max(record.lastSeenAt, at)
    record.expiredMarked = false
    if (payload.telemetry?.load !== undefined) record.load = payload.telemetry.load
    if (payload.telemetry?.rttMs !== undefined) Object.assign(record.rttMs, payload.telemetry.rttMs)
    for (const probe of payload.probes ?? []) {
      if (probe.ok) record.failedProbes.delete(probe.capability)
      else record.failedProbes.add(probe.capability)
      if (probe.latencyMs !== undefined) record.probeLatencyMs.set(probe.capability, probe.latencyMs)
    }
  }

  /** Is the agent's lease running at `now`? */
  leased(record: AgentRecord, now: number): boolean {
    return now < record.leaseExpiresAt
  }

  /**
   * Agents that can take a step needing `capability` at `now`: lease running, status up (seed 001's
   * `availability.status == up`), last probe of that capability not failed.
   */
  candidates(capability: string, now: number): Array<{ agent: AgentRecord; capability: CapabilityRecord }> {
    const found: Array<{ agent: AgentRecord; capability: CapabilityRecord }> = []
    for (const name of this.#byCapability.get(capability) ?? []) {
      const record = this.#agents.get(name)
      if (record === undefined || record.status !== 'up' || !this.leased(record, now)) continue
      if (record.failedProbes.has(capability)) continue
      const item = record.capabilities.get(capability)
      if (item !== undefined) found.push({ agent: record, capability: item })
    }
    return found
  }

  /** Leases that have run out at `now` and have no registry.lease.expired yet. */
  dueExpiries(now: number): DueExpiry[] {
    const due: DueExpiry[] = []
    for (const record of this.#agents.values()) {
      if (!record.expiredMarked && !this.leased(record, now)) {
        due.push({ agent: record.agent, expiredAt: record.leaseExpiresAt, lastSeenAt: record.lastSeenAt })
      }
    }
    return due
  }

  /** The earliest running lease's end, so the caller can set one timer. */
  nextLeaseEnd(now: number): number | undefined {
    let next: number | undefined
    for (const record of this.#agents.values()) {
      if (record.expiredMarked || !this.leased(record, now)) continue
      if (next === undefined || record.leaseExpiresAt < next) next = record.leaseExpiresAt
    }
    return next
  }

  view(now: number): AgentView[] {
    return [...this.#agents.values()]
      .sort((a, b) => a.agent.localeCompare(b.agent))
      .map((record) => this.#viewOf(record, now))
  }

  viewOf(agent: string, now: number): AgentView | undefined {
    const record = this.#agents.get(agent)
    return record === undefined ? undefined : this.#viewOf(record, now)
  }

  #viewOf(record: AgentRecord, now: number): AgentView {
    return {
      agent: record.agent,
      kind: record.kind,
      ...(record.prioBase === undefined ? {} : { prioBase: record.prioBase }),
      dispatched: record.dispatchPublicKey !== undefined,
      status: record.status,
      leased: this.leased(record, now),
      leaseExpiresAt: new Date(record.leaseExpiresAt).toISOString(),
      lastSeenAt: new Date(record.lastSeenAt).toISOString(),
      load: record.load,
      rttMs: { ...record.rttMs },
      capabilities: [...record.capabilities.values()].map((item) => ({
        id: item.id,
        ...(item.prio === undefined ? {} : { prio: item.prio }),
        ...(item.cost === undefined ? {} : { cost: item.cost }),
        ...(item.inputs === undefined ? {} : { inputs: item.inputs }),
        ...(item.outputs === undefined ? {} : { outputs: item.outputs }),
        ...(item.tags.length === 0 ? {} : { tags: item.tags }),
        ...(item.probe === undefined ? {} : { probe: item.probe }),
        probeOk: !record.failedProbes.has(item.id),
        ...(record.probeLatencyMs.has(item.id) ? { probeLatencyMs: record.probeLatencyMs.get(item.id) } : {}),
      })),
    }
  }
}
