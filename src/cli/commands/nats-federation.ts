import { type JetStreamManager, jetstreamManager, type StreamConfig } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { HubError } from '../../contracts/index.ts'
import { connectionAuth, type FederationPolicy, rootSourceStream } from '../../transports/nats/index.ts'

// The root's copies of its hubs (decision 1605): `nats up --role root` adds a stream
// ROOT_HUB_<hubId> sourcing LH_<hubId> for every hub it admits, as the policy's owner, so no one
// has to paste a stream definition; `nats federation` shows how far each copy has come.

/** How long the root waits for its own JetStream before adding the source streams. */
export const DEFAULT_ROOT_SETUP_TIMEOUT_MS = 10_000

/**
 * How the owner signs in to the root (the root admits only owners as clients): the first user the
 * policy gives the owner role, by password or by its nkey seed (decision 2021), over TLS with the
 * CA when the client port is TLS (decision 2020).
 */
export interface OwnerAccess {
  user?: string
  pass?: string
  nkeySeedFile?: string
  caFile?: string
}

/** The first owner of the policy; `seedFiles` holds the seeds `--auth nkeys` made. */
export function ownerOf(
  policy: FederationPolicy,
  seedFiles: Readonly<Record<string, string>> = {},
  caFile?: string,
): OwnerAccess {
  const owner = policy.users.find((user) => user.role === 'owner')
  if (owner === undefined)
    throw new HubError('E_BAD_REQUEST', 'the policy has no user with role owner; the root needs one')
  const tls = caFile === undefined ? {} : { caFile }
  if (owner.password !== undefined) return { user: owner.user, pass: owner.password, ...tls }
  const seed = seedFiles[owner.user]
  if (seed === undefined)
    throw new HubError(
      'E_BAD_REQUEST',
      `owner ${owner.user} signs in with an nkey whose seed is not on this machine; the root's streams need an owner with a password or a generated seed`,
    )
  return { nkeySeedFile: seed, ...tls }
}

async function asOwner<T>(
  url: string,
  owner: OwnerAccess,
  work: (manager: JetStreamManager, connection: NatsConnection) => Promise<T>,
): Promise<T> {
  const connection = await connect({
    servers: url,
    ...connectionAuth({
      ...owner,
      ...(owner.caFile === undefined ? {} : { tls: { caFile: owner.caFile } }),
    }),
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
  owner: OwnerAccess,
  exportPatterns: readonly string[],
  hubIds: readonly string[],
): Promise<string[]> {
  return asOwner(url, owner, async (manager) => {
    const added: string[] = []
    for (const hubId of hubIds) {
      const config = rootSourceStream(hubId, [...exportPatterns]) as Partial<StreamConfig> as StreamConfig
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
export async function rootCopies(url: string, owner: OwnerAccess): Promise<HubCopy[]> {
  return asOwner(url, owner, async (manager) => {
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
