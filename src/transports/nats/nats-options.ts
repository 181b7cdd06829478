import { HubError, type RegistryDocument } from '../../contracts/index.ts'

/** Where the transport connects when no server is named (the Debian package's default port). */
export const DEFAULT_NATS_SERVERS: readonly string[] = Object.freeze(['nats://127.0.0.1:4222'])
/**
 * JetStream's own duplicate window (Nats-Msg-Id = event id). Long enough to cover publish retries
 * across a reconnect; the bus's longer dedupe window still applies (in process for ids, and in a
 * KV bucket for idempotency keys). JetStream keeps every id of the window in server memory.
 */
export const DEFAULT_DUPLICATE_WINDOW_MS = 10 * 60 * 1000
/** Largest stored or broadcast event (JSON bytes); below nats-server's default max_payload of 1 MiB. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024 - 16 * 1024
/** One publish attempt waits this long for the stream's acknowledgement. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 5000
/** Retries of one publish (same Nats-Msg-Id) give up after this long; covers short outages. */
export const DEFAULT_PUBLISH_RETRY_MS = 60_000
export const DEFAULT_RECONNECT_WAIT_MS = 250
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000
/** A consumer that lives as long as its members is removed by the server after this idle time. */
export const DEFAULT_EPHEMERAL_INACTIVE_MS = 60_000

/** TLS to the server: PEM files (absolute paths); `{}` alone requires TLS with the system's CAs. */
export interface NatsTlsFiles {
  /** CA that signed the server's certificate (a private CA). */
  caFile?: string
  /** Client certificate and key, for servers that verify clients (`verify: true`). */
  certFile?: string
  keyFile?: string
}

export interface NatsTransportOptions {
  servers?: string | readonly string[]
  user?: string
  pass?: string
  token?: string
  /** A user nkey seed file (absolute path, 0600): signs in by the nkey instead of user/pass/token. */
  nkeySeedFile?: string
  /** TLS; also turned on (with the system's CAs) by a tls:// server URL. */
  tls?: NatsTlsFiles
  /** Connection name shown by the server's monitoring. */
  name?: string
  /** The bus's catalog: which types are stored (stream subjects) and how foreign input is validated. Default: the shipped catalog. */
  registry?: RegistryDocument
  duplicateWindowMs?: number
  maxEventBytes?: number
  publishTimeoutMs?: number
  publishRetryMs?: number
  reconnectWaitMs?: number
  connectTimeoutMs?: number
  ephemeralInactiveMs?: number
  /** Append bus.outage.started / bus.outage.ended when the connection drops and returns (default true). */
  reportOutages?: boolean
}

export interface NatsSettings {
  servers: readonly string[]
  user: string | undefined
  pass: string | undefined
  token: string | undefined
  nkeySeedFile: string | undefined
  tls: Readonly<NatsTlsFiles> | undefined
  name: string
  registry: RegistryDocument | undefined
  duplicateWindowMs: number
  maxEventBytes: number
  publishTimeoutMs: number
  publishRetryMs: number
  reconnectWaitMs: number
  connectTimeoutMs: number
  ephemeralInactiveMs: number
  reportOutages: boolean
}

function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new HubError(
      'E_BAD_REQUEST',
      `nats transport: ${name} must be a positive number, got ${JSON.stringify(value)}`,
    )
  }
  return value
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0)
    throw new HubError('E_BAD_REQUEST', `nats transport: ${name} must be a non-empty string`)
  return value
}

function tlsOf(
  tls: NatsTlsFiles | undefined,
  servers: readonly string[],
): Readonly<NatsTlsFiles> | undefined {
  if (tls === undefined)
    return servers.some((server) => server.startsWith('tls://')) ? Object.freeze({}) : undefined
  if (tls === null || typeof tls !== 'object')
    throw new HubError(
      'E_BAD_REQUEST',
      'nats transport: tls must be an object with caFile, certFile, keyFile',
    )
  const files: NatsTlsFiles = {}
  for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
    const value = optionalString(`tls.${key}`, tls[key])
    if (value !== undefined) files[key] = value
  }
  if ((files.certFile === undefined) !== (files.keyFile === undefined))
    throw new HubError('E_BAD_REQUEST', 'nats transport: tls.certFile and tls.keyFile come together')
  return Object.freeze(files)
}

/** Spreads defaults over the given options, checks every value and freezes the result. */
export function natsSettings(options: NatsTransportOptions): Readonly<NatsSettings> {
  if (options === null || typeof options !== 'object')
    throw new HubError('E_BAD_REQUEST', 'nats transport options must be an object')
  const rawServers = options.servers ?? DEFAULT_NATS_SERVERS
  const servers = typeof rawServers === 'string' ? [rawServers] : [...rawServers]
  if (servers.length === 0 || servers.some((server) => typeof server !== 'string' || server.length === 0)) {
    throw new HubError('E_BAD_REQUEST', 'nats transport: servers must name at least one server URL')
  }
  const settings: NatsSettings = {
    servers: Object.freeze(servers),
    user: optionalString('user', options.user),
    pass: optionalString('pass', options.pass),
    token: optionalString('token', options.token),
    nkeySeedFile: optionalString('nkeySeedFile', options.nkeySeedFile),
    tls: tlsOf(options.tls, servers),
    name: optionalString('name', options.name) ?? 'localhub',
    registry: options.registry,
    duplicateWindowMs: positiveNumber(
      'duplicateWindowMs',
      options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS,
    ),
    maxEventBytes: positiveNumber('maxEventBytes', options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES),
    publishTimeoutMs: positiveNumber(
      'publishTimeoutMs',
      options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS,
    ),
    publishRetryMs: positiveNumber('publishRetryMs', options.publishRetryMs ?? DEFAULT_PUBLISH_RETRY_MS),
    reconnectWaitMs: positiveNumber('reconnectWaitMs', options.reconnectWaitMs ?? DEFAULT_RECONNECT_WAIT_MS),
    connectTimeoutMs: positiveNumber(
      'connectTimeoutMs',
      options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    ),
    ephemeralInactiveMs: positiveNumber(
      'ephemeralInactiveMs',
      options.ephemeralInactiveMs ?? DEFAULT_EPHEMERAL_INACTIVE_MS,
    ),
    reportOutages: options.reportOutages ?? true,
  }
  if (
    settings.nkeySeedFile !== undefined &&
    (settings.user !== undefined || settings.pass !== undefined || settings.token !== undefined)
  )
    throw new HubError(
      'E_BAD_REQUEST',
      'nats transport: nkeySeedFile signs in by itself; drop user, pass and token',
    )
  return Object.freeze(settings)
}

/** Milliseconds to the nanoseconds JetStream's API counts in. */
export function nanos(ms: number): number {
  return Math.round(ms * 1_000_000)
}
