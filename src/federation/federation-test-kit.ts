import { loadRegistry } from '../catalog/index.ts'
import { type Contracts, createContracts, type Envelope, HubError } from '../contracts/index.ts'
import type { FederationBus } from './federation-types.ts'

// For the federation's unit tests: a bus that validates payloads against the real catalog, keeps
// stored events in order and drops ephemeral ones (registry.heartbeat), as the hub's log does.

let sharedContracts: Contracts | undefined

export function catalogContracts(): Contracts {
  sharedContracts ??= createContracts(loadRegistry())
  return sharedContracts
}

export interface RecordingBus extends FederationBus {
  /** Every published event, ephemeral ones included, in order. */
  readonly published: Envelope[]
  /** Stored events only (what a restart replays). */
  readonly stored: Envelope[]
}

export function recordingBus(stored: Envelope[] = []): RecordingBus {
  const contracts = catalogContracts()
  const published: Envelope[] = []
  return {
    contracts,
    published,
    stored,
    async publish(draft) {
      const issues = contracts.validatePayload(draft.type, 1, draft.payload)
      if (issues.length > 0)
        throw new HubError('E_VALIDATION', `${draft.type}: ${issues[0]?.message}`, { details: { issues } })
      const envelope = {
        id: `e${published.length + 1}`,
        version: 1,
        source: 'federation',
        severity: 'info',
        traceId: 't',
        tenant: 'default',
        ts: new Date().toISOString(),
        ...draft,
        payload: structuredClone(draft.payload),
      } as unknown as Envelope
      published.push(envelope)
      if (contracts.entry(draft.type)?.stored !== false) stored.push({ ...envelope, seq: stored.length + 1 })
      return { id: envelope.id }
    },
    async *replay(options = {}) {
      const filter = options.filter ?? '>'
      const prefix = filter.endsWith('.>') ? filter.slice(0, -1) : undefined
      for (const event of [...stored]) {
        if (options.since !== undefined && Date.parse(event.ts) < Date.parse(options.since)) continue
        if (
          filter === '>' ||
          event.type === filter ||
          (prefix !== undefined && event.type.startsWith(prefix))
        )
          yield event
      }
    },
  }
}

/** A manifest with one capability per entry of `capabilities` (id without the capability:// prefix). */
export function manifestOf(
  agent: string,
  capabilities: Array<{
    id: string
    prio?: number
    cost?: 'low' | 'medium' | 'high'
    inputs?: string[]
    outputs?: string[]
    tags?: string[]
    probe?: string
  }>,
  extra: { prioBase?: number; ttlMs?: number; load?: number; rttMs?: Record<string, number> } = {},
): Record<string, unknown> {
  const kind = /^agent:\/\/([a-z]+)\//.exec(agent)?.[1]
  return {
    agent,
    kind,
    ...(extra.prioBase === undefined ? {} : { prioBase: extra.prioBase }),
    capabilities: capabilities.map((capability) => ({ ...capability, id: `capability://${capability.id}` })),
    availability: { status: 'up', ttlMs: extra.ttlMs ?? 10_000 },
    telemetry: { load: extra.load ?? 0, ...(extra.rttMs === undefined ? {} : { rttMs: extra.rttMs }) },
  }
}
