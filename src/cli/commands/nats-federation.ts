import { type JetStreamManager, jetstreamManager, type StreamConfig } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { HubError } from '../../contracts/index.ts'
import { type FederationPolicy, rootSourceStream } from '../../transports/nats/index.ts'

// The root's copies of its hubs (decision 1605): `nats up --role root` adds a stream
// ROOT_HUB_<hubId> sourcing LH_<hubId> for every hub it admits, as the policy's owner, so no one
// has to paste a stream definition; `nats federation` shows how far each copy has come.

/** How long the root waits for its own JetStream before adding the source streams. */
export const DEFAULT_ROOT_SETUP_TIMEOUT_MS = 10_000

/** The first user the policy gives the owner role (the root admits only owners as clients). */
export function ownerOf(policy: FederationPolicy): { user: string; pass: string } {
  const owner = policy.users.find((user) => user.role === 'owner')
  if (owner === undefined)
    throw new HubError('E_BAD_REQUEST', 'the policy has no user with role owner; the root needs one')
  return { user: owner.user, pass: owner.password }
}

async function asOwner<T>(
  url: string,
  policy: FederationPolicy,
  work: (manager: JetStreamManager, connection: NatsConnection) => Promise<T>,
): Promise<T> {
  const connection = await connect({
    servers: url,
    ...ownerOf(policy),
    name: 'localhub-nats-federation',
    timeout: DEFAULT_ROOT_SETUP_TIMEOUT_MS,
  })
  try {
    return await work(await jetstreamManager(connection), connection)
  } finally {
    await connection.close()
  }
}

/** Adds ROOT_HUB_<id> for each hub that lacks it; returns the names it added. */
export async function ensureRootStreams(
  url: string,
  policy: FederationPolicy,
  hubIds: readonly string[],
): Promise<string[]> {
  return asOwner(url, policy, async (manager) => {
    const added: string[] = []
    for (const hubId of hubIds) {
      const config = rootSourceStream(hubId, policy.export) as Partial<StreamConfig> as StreamConfig
      const exists = await manager.streams.info(config.name).then(
        () => true,
        () => false,
      )
      if (exists) continue
      await manager.streams.add(config)
      added.push(config.name)
    }
    return added
  })
}

export interface HubCopy {
  hubId: string
  stream: string
  /** Events the root holds of this hub. */
  messages: number
  lastSeq: number
  /** Whether the hub's stream is reachable across its domain right now. */
  sourceActiveMs: number | undefined
  sourceLag: number | undefined
}

/** What the root holds of each hub: its ROOT_HUB_<id> streams and their sourcing state. */
export async function rootCopies(url: string, policy: FederationPolicy): Promise<HubCopy[]> {
  return asOwner(url, policy, async (manager) => {
    const copies: HubCopy[] = []
    for await (const info of manager.streams.list()) {
      const match = /^ROOT_HUB_(.+)$/.exec(info.config.name)
      if (match === null) continue
      const source = info.sources?.[0]
      copies.push({
        hubId: match[1]!,
        stream: info.config.name,
        messages: info.state.messages,
        lastSeq: info.state.last_seq,
        sourceActiveMs: source === undefined || source.active < 0 ? undefined : source.active / 1e6,
        sourceLag: source?.lag,
      })
    }
    return copies.sort((a, b) => a.hubId.localeCompare(b.hubId))
  })
}
