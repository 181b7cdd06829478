import type { Envelope } from '../contracts/index.ts'
import type { FederationBus } from './federation-types.ts'

// What the federation service rebuilds its state from when it opens (decision 2000).

export const ROUTE_CHANGED_TYPE = 'route.changed'
/** Replayed from the start: every manifest counts. */
const REGISTRY_PATTERN = 'registry.>'
/** Replayed for one token lifetime only: older leases are expired, whatever they were. */
const LEASE_PATTERNS = ['exec.>', ROUTE_CHANGED_TYPE] as const

function publishedByPrincipal(event: Envelope): boolean {
  const meta = event.meta as Record<string, unknown> | undefined
  return meta !== undefined && typeof meta.principal === 'string'
}

/**
 * The stored registry.* events, and the exec.* and route.changed events since `since` (RFC 3339),
 * in log order. Only the service's own records count: one a principal published through
 * POST /events (the hub stamped meta.principal on it) is a claim, not what the registry decided
 * (decision 2014).
 */
export async function federationHistory(bus: FederationBus, since: string): Promise<Envelope[]> {
  const events: Envelope[] = []
  for await (const event of bus.replay({ filter: REGISTRY_PATTERN })) events.push(event)
  for (const filter of LEASE_PATTERNS)
    for await (const event of bus.replay({ filter, since })) events.push(event)
  events.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
  return events.filter((event) => !publishedByPrincipal(event))
}
