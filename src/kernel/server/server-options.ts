import type { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { HubError } from '../../contracts/index.ts'
import type { PrincipalAuthority } from './server-types.ts'

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 8000
/** Body limit of every route but POST /events (POST /chat bodies are small). */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024
/** POST /events takes NDJSON batches. */
export const DEFAULT_EVENTS_BODY_LIMIT_BYTES = 4 * 1024 * 1024
/** Whole request (headers and body) must arrive within this; cuts off slow bodies (slowloris). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
/** Request headers must arrive within this. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000
/** A socket with no traffic in either direction is closed after this (SSE sends heartbeats). */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 60_000
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000
/** How often Node checks the request and headers timeouts (its own default is 30 s, too coarse). */
export const DEFAULT_CONNECTIONS_CHECK_INTERVAL_MS = 1_000
/** Bytes buffered for one WebSocket client before the slow-client policy applies. */
export const DEFAULT_WS_QUEUE_LIMIT_BYTES = 1024 * 1024
export const DEFAULT_WS_MAX_CLIENTS = 1024
/** Clients only send control frames; anything bigger closes the socket. */
export const DEFAULT_WS_MAX_PAYLOAD_BYTES = 16 * 1024
/** A client that does not read its close frame is cut off after this. */
export const DEFAULT_WS_CLOSE_GRACE_MS = 5_000
/** During a resume, how long the server waits for a full socket to drain before closing it. */
export const DEFAULT_WS_DRAIN_WAIT_MS = 10_000
export const DEFAULT_WS_PING_INTERVAL_MS = 30_000
export const DEFAULT_SSE_HEARTBEAT_MS = 15_000
/** close() waits this long for in-flight chats and connections before cutting them. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000
export const DEFAULT_REPLAY_LIMIT = 1_000
export const MAX_REPLAY_LIMIT = 10_000

export interface ServerLoggerOptions {
  level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Where JSON log lines go (default stdout). */
  stream?: Writable
}

/** Registers more routes; they get the same auth, Host/Origin checks and error envelopes. */
export type RouteRegistrar = (app: FastifyInstance) => void | Promise<void>

export interface ServerOptions {
  /** The data directory (auth-token, server.json). */
  dataDir: string
  /** Routes of other parts of the hub (memory, approvals, ledger, dead letters). */
  routes?: readonly RouteRegistrar[]
  host?: string
  /** 0 picks a free port (tests). */
  port?: number
  /** Extra names allowed in the Host header (`name` or `name:port`). */
  allowedHosts?: string[]
  /** Extra origins allowed to call (e.g. a dev server `http://localhost:5173`). */
  allowedOrigins?: string[]
  /** The token; otherwise env LOCALHUB_TOKEN, otherwise <dataDir>/auth-token. */
  token?: string
  /** Tokens besides the owner's (the principal store); read by createServer, not part of the config. */
  principals?: PrincipalAuthority
  /** Where LOCALHUB_TOKEN is read from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>
  version?: string
  /** prom-client registry for the server's metrics (default: a new one, never the global). */
  registry?: Registry
  logger?: ServerLoggerOptions | false
  /** Record <dataDir>/server.json while running (default true). */
  writeServerInfo?: boolean
  bodyLimitBytes?: number
  eventsBodyLimitBytes?: number
  requestTimeoutMs?: number
  headersTimeoutMs?: number
  connectionTimeoutMs?: number
  keepAliveTimeoutMs?: number
  connectionsCheckIntervalMs?: number
  wsQueueLimitBytes?: number
  wsMaxClients?: number
  wsMaxPayloadBytes?: number
  wsCloseGraceMs?: number
  wsDrainWaitMs?: number
  wsPingIntervalMs?: number
  sseHeartbeatMs?: number
  shutdownGraceMs?: number
}

export type ServerConfig = Readonly<
  Required<
    Omit<
      ServerOptions,
      | 'token'
      | 'registry'
      | 'logger'
      | 'env'
      | 'version'
      | 'allowedHosts'
      | 'allowedOrigins'
      | 'routes'
      | 'principals'
    >
  > & {
    routes: readonly RouteRegistrar[]
    token: string | undefined
    registry: Registry | undefined
    logger: ServerLoggerOptions | false
    env: Readonly<Record<string, string | undefined>>
    version: string | undefined
    allowedHosts: readonly string[]
    allowedOrigins: readonly string[]
  }
>

const NUMERIC_LIMITS: ReadonlyArray<[keyof ServerOptions, number, number]> = [
  ['port', 0, 65_535],
  ['bodyLimitBytes', 1, 64 * 1024 * 1024],
  ['eventsBodyLimitBytes', 1, 1024 * 1024 * 1024],
  ['requestTimeoutMs', 1, 3_600_000],
  ['headersTimeoutMs', 1, 3_600_000],
  ['connectionTimeoutMs', 1, 3_600_000],
  ['keepAliveTimeoutMs', 1, 3_600_000],
  ['connectionsCheckIntervalMs', 1, 60_000],
  ['wsQueueLimitBytes', 1_024, 1024 * 1024 * 1024],
  ['wsMaxClients', 1, 1_000_000],
  ['wsMaxPayloadBytes', 125, 64 * 1024 * 1024],
  ['wsCloseGraceMs', 1, 600_000],
  ['wsDrainWaitMs', 1, 600_000],
  ['wsPingIntervalMs', 10, 3_600_000],
  ['sseHeartbeatMs', 10, 3_600_000],
  ['shutdownGraceMs', 1, 600_000],
]

export function resolveServerOptions(options: ServerOptions): ServerConfig {
  if (typeof options.dataDir !== 'string' || options.dataDir.length === 0) {
    throw new HubError('E_BAD_REQUEST', 'server options need a dataDir')
  }
  const config = {
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    writeServerInfo: true,
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
    eventsBodyLimitBytes: DEFAULT_EVENTS_BODY_LIMIT_BYTES,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
    connectionTimeoutMs: DEFAULT_CONNECTION_TIMEOUT_MS,
    keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckIntervalMs: DEFAULT_CONNECTIONS_CHECK_INTERVAL_MS,
    wsQueueLimitBytes: DEFAULT_WS_QUEUE_LIMIT_BYTES,
    wsMaxClients: DEFAULT_WS_MAX_CLIENTS,
    wsMaxPayloadBytes: DEFAULT_WS_MAX_PAYLOAD_BYTES,
    wsCloseGraceMs: DEFAULT_WS_CLOSE_GRACE_MS,
    wsDrainWaitMs: DEFAULT_WS_DRAIN_WAIT_MS,
    wsPingIntervalMs: DEFAULT_WS_PING_INTERVAL_MS,
    sseHeartbeatMs: DEFAULT_SSE_HEARTBEAT_MS,
    shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS,
    ...withoutUndefined(options),
    dataDir: options.dataDir,
    token: options.token,
    registry: options.registry,
    logger: options.logger ?? {},
    env: options.env ?? process.env,
    version: options.version,
    allowedHosts: Object.freeze([...(options.allowedHosts ?? [])]),
    allowedOrigins: Object.freeze([...(options.allowedOrigins ?? [])]),
    routes: Object.freeze([...(options.routes ?? [])]),
  }
  for (const [name, min, max] of NUMERIC_LIMITS) {
    const value = config[name as keyof typeof config]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new HubError('E_BAD_REQUEST', `server option ${name} must be an integer in [${min}, ${max}]`, {
        details: { option: name, got: value },
      })
    }
  }
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new HubError('E_BAD_REQUEST', 'headersTimeoutMs must not exceed requestTimeoutMs')
  }
  if (typeof config.host !== 'string' || !/^[A-Za-z0-9.:-]+$/.test(config.host)) {
    throw new HubError(
      'E_BAD_REQUEST',
      `server option host is not a host name or address: ${String(config.host)}`,
    )
  }
  for (const name of config.allowedHosts) {
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(name)) {
      throw new HubError(
        'E_BAD_REQUEST',
        `allowedHosts entry is not host or host:port: ${JSON.stringify(name)}`,
      )
    }
  }
  for (const origin of config.allowedOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new HubError(
        'E_BAD_REQUEST',
        `allowedOrigins entry must be scheme://host[:port]: ${JSON.stringify(origin)}`,
      )
    }
  }
  return Object.freeze(config)
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>
}
