import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import type { Bus } from '../bus/index.ts'
import { HubError } from '../contracts/index.ts'
import type { BusSection } from '../manifest/index.ts'
import type { NatsTransportOptions } from '../transports/nats/index.ts'
import { applyNatsEventsRetention, type EventsRetentionRule } from './nats-stream-limits.ts'
import { type OpenBusOptions, openBus, type TransportName } from './open-bus.ts'

// Which bus a hub runs on (decision 1600): flag > environment > manifest `bus:` > SQLite in the
// data directory. Secrets never sit in the manifest: it names a file or an environment variable.

/** Environment variables read here (the flags win over them). */
export const BUS_ENVIRONMENT = { bus: 'LOCALHUB_BUS', hubId: 'LOCALHUB_HUB_ID' } as const
export const DEFAULT_BUS_TRANSPORT: TransportName = 'sqlite'
/** The NATS subject prefix hub.<id> when neither flag, environment nor manifest names one. */
export const DEFAULT_NATS_HUB_ID = 'local'

/** The manifest's `bus:` section as this module reads it (validated by src/manifest before). */
export type { BusSection }

/** `--bus` (sqlite | memory | nats | nats://host:port[,…]) and `--hub-id`. */
export interface BusFlags {
  readonly bus?: string
  readonly hubId?: string
}

export interface BusChoiceInput {
  readonly section?: BusSection
  readonly flags?: BusFlags
  readonly env: Readonly<Record<string, string | undefined>>
  /** Relative credential files are read from here. */
  readonly dataDir: string
  /** The manifest's retention.events: on NATS it becomes the log stream's limits. */
  readonly eventsRetention?: EventsRetentionRule
}

export interface BusChoice {
  readonly transport: TransportName
  /** Where the transport came from, for the serve banner and doctor. */
  readonly from: 'flag' | 'environment' | 'manifest' | 'default'
  readonly servers: readonly string[]
  readonly hubId: string | undefined
  /** What openBus needs besides the registry and the bus's own options. */
  readonly open: Pick<OpenBusOptions, 'transport' | 'dataDir' | 'transportOptions' | 'hubId'>
  /** NATS only: retention.events, set as stream limits once the bus is open (absent: none). */
  readonly streamLimits: EventsRetentionRule | undefined
}

interface Named {
  transport: TransportName
  servers: string[]
}

const NATS_URL = /^(nats|tls):\/\/[^\s/,]+(:\d{1,5})?\/?$/
const HUB_ID = /^[A-Za-z0-9_-]{1,64}$/

/** Parses a `--bus` / LOCALHUB_BUS value; `where` names it in the error. */
export function parseBusValue(value: string, where: string): Named {
  const text = value.trim()
  if (text === 'sqlite' || text === 'memory' || text === 'nats') return { transport: text, servers: [] }
  const servers = text.split(',').map((part) => part.trim())
  if (servers.length > 0 && servers.every((server) => NATS_URL.test(server)))
    return { transport: 'nats', servers }
  throw new HubError(
    'E_BAD_REQUEST',
    `${where} must be sqlite, memory, nats or nats://HOST:PORT[,nats://…] (tls:// for TLS), got ${JSON.stringify(value)}`,
  )
}

/** How strong a source is: a stronger transport choice overrides a weaker hub id's setup. */
const RANK: Readonly<Record<BusChoice['from'], number>> = { flag: 3, environment: 2, manifest: 1, default: 0 }

function hubIdOf(
  input: BusChoiceInput,
): { hubId: string; where: string; from: BusChoice['from'] } | undefined {
  const { flags, env, section } = input
  const candidates: [string | undefined, string, BusChoice['from']][] = [
    [flags?.hubId, '--hub-id', 'flag'],
    [env[BUS_ENVIRONMENT.hubId], BUS_ENVIRONMENT.hubId, 'environment'],
    [section?.hubId, 'bus.hubId of the manifest', 'manifest'],
  ]
  for (const [hubId, where, from] of candidates) {
    if (hubId === undefined || hubId === '') continue
    if (!HUB_ID.test(hubId))
      throw new HubError(
        'E_BAD_REQUEST',
        `${where} must be 1-64 letters, digits, _ or -, got ${JSON.stringify(hubId)}`,
      )
    return { hubId, where, from }
  }
  return undefined
}

function secretOf(
  input: BusChoiceInput,
  fromEnv: string | undefined,
  fromFile: string | undefined,
  key: string,
): string | undefined {
  if (fromEnv !== undefined) {
    const value = input.env[fromEnv]
    if (value === undefined || value === '')
      throw new HubError(
        'E_BAD_REQUEST',
        `bus.credentials.${key}Env names ${fromEnv}, which is not set in the hub's environment`,
      )
    return value
  }
  if (fromFile === undefined) return undefined
  const file = isAbsolute(fromFile) ? fromFile : join(input.dataDir, fromFile)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    throw new HubError(
      'E_BAD_REQUEST',
      `bus.credentials.${key}File ${file} cannot be read: ${(cause as Error).message}`,
      { cause },
    )
  }
  const secret = text.trim()
  if (secret === '') throw new HubError('E_BAD_REQUEST', `bus.credentials.${key}File ${file} is empty`)
  return secret
}

/**
 * The password `localhub nats up --role hub` leaves in the data directory (decision 1603): used as
 * user `hub` when the manifest names no credentials, so `nats up` + `serve --bus` need no manifest edit.
 */
export const NATS_UP_PASSWORD_FILE = join('nats', 'hub.password')
export const NATS_UP_USER = 'hub'
/** The hub user's seed `localhub nats up --role hub --auth nkeys` makes (decision 2021). */
export const NATS_UP_SEED_FILE = join('nats', 'nkeys', 'hub.nk')
/** The CA `nats up` makes; a tls:// bus without bus.tls trusts it (decision 2020). */
export const NATS_UP_CA_FILE = join('nats', 'tls', 'ca.pem')

function credentialsOf(input: BusChoiceInput): Partial<NatsTransportOptions> {
  const credentials = input.section?.credentials
  if (credentials === undefined) {
    const file = join(input.dataDir, NATS_UP_PASSWORD_FILE)
    if (existsSync(file)) return { user: NATS_UP_USER, pass: secretOf(input, undefined, file, 'password') }
    const seed = join(input.dataDir, NATS_UP_SEED_FILE)
    return existsSync(seed) ? { nkeySeedFile: seed } : {}
  }
  if (credentials.nkeySeedFile !== undefined) {
    const name = credentials.nkeySeedFile
    const file = isAbsolute(name) ? name : join(input.dataDir, name)
    if (!existsSync(file))
      throw new HubError('E_BAD_REQUEST', `bus.credentials.nkeySeedFile ${file} does not exist`)
    return { nkeySeedFile: file }
  }
  const pass = secretOf(input, credentials.passwordEnv, credentials.passwordFile, 'password')
  const token = secretOf(input, credentials.tokenEnv, credentials.tokenFile, 'token')
  return {
    ...(credentials.user === undefined ? {} : { user: credentials.user }),
    ...(pass === undefined ? {} : { pass }),
    ...(token === undefined ? {} : { token }),
  }
}

/** bus.tls with its files resolved against the data directory; each must be readable. */
function tlsOf(input: BusChoiceInput, servers: readonly string[]): Pick<NatsTransportOptions, 'tls'> {
  const tls = input.section?.tls
  if (tls === undefined) {
    // A tls:// server and the CA `nats up` made in this data directory: trust that CA.
    const ca = join(input.dataDir, NATS_UP_CA_FILE)
    return servers.some((server) => server.startsWith('tls://')) && existsSync(ca)
      ? { tls: { caFile: ca } }
      : {}
  }
  const files: NonNullable<NatsTransportOptions['tls']> = {}
  for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
    const name = tls[key]
    if (name === undefined) continue
    const file = isAbsolute(name) ? name : join(input.dataDir, name)
    if (!existsSync(file)) throw new HubError('E_BAD_REQUEST', `bus.tls.${key} ${file} does not exist`)
    files[key] = file
  }
  return { tls: files }
}

function namedTransport(input: BusChoiceInput): Named & { from: BusChoice['from'] } {
  if (input.flags?.bus !== undefined) return { ...parseBusValue(input.flags.bus, '--bus'), from: 'flag' }
  const fromEnv = input.env[BUS_ENVIRONMENT.bus]
  if (fromEnv !== undefined && fromEnv !== '')
    return { ...parseBusValue(fromEnv, BUS_ENVIRONMENT.bus), from: 'environment' }
  const section = input.section
  if (section?.transport !== undefined)
    return { transport: section.transport, servers: [...(section.servers ?? [])], from: 'manifest' }
  return { transport: DEFAULT_BUS_TRANSPORT, servers: [], from: 'default' }
}

/** Resolves the bus of a hub; throws HubError E_BAD_REQUEST on a choice the hub cannot honour. */
export function chooseBus(input: BusChoiceInput): BusChoice {
  const named = namedTransport(input)
  const hub = hubIdOf(input)
  if (named.transport !== 'nats') {
    // A hub id from a weaker source belongs to a NATS setup the stronger choice replaced.
    if (hub !== undefined && RANK[hub.from] >= RANK[named.from])
      throw new HubError(
        'E_BAD_REQUEST',
        `${hub.where} names a hub id, which only the NATS bus uses (subjects hub.<id>.>); the ${named.transport} bus is this hub's alone: drop it, or choose --bus nats://HOST:PORT`,
      )
    return {
      transport: named.transport,
      from: named.from,
      servers: [],
      hubId: undefined,
      streamLimits: undefined,
      open:
        named.transport === 'sqlite'
          ? { transport: 'sqlite', dataDir: input.dataDir }
          : { transport: named.transport },
    }
  }
  // Servers: those the flag or environment named, else the manifest's, else the transport default.
  const servers = named.servers.length > 0 ? named.servers : [...(input.section?.servers ?? [])]
  const hubId = hub?.hubId ?? DEFAULT_NATS_HUB_ID
  const transportOptions: NatsTransportOptions = {
    ...(servers.length === 0 ? {} : { servers }),
    name: `localhub-${hubId}`,
    ...credentialsOf(input),
    ...tlsOf(input, servers),
  }
  return {
    transport: 'nats',
    from: named.from,
    servers,
    hubId,
    open: { transport: 'nats', hubId, transportOptions: transportOptions as Record<string, unknown> },
    streamLimits: input.eventsRetention,
  }
}

/** Opens the chosen bus; on NATS, then sets retention.events as the log stream's limits. */
export async function openChosenBus(
  choice: BusChoice,
  options: Omit<OpenBusOptions, 'transport' | 'dataDir' | 'transportOptions' | 'hubId'>,
): Promise<Bus> {
  const bus = await openBus({ ...options, ...choice.open })
  if (choice.hubId === undefined) return bus
  // The manifest is the source of truth: no rule means no limits (events kept until deleted).
  const limits = choice.streamLimits ?? {}
  try {
    await applyNatsEventsRetention(choice.open.transportOptions as NatsTransportOptions, choice.hubId, limits)
  } catch (error) {
    await bus.close()
    throw error
  }
  return bus
}
