import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import { type IncomingMessage, maxHeaderSize } from 'node:http'
import type { AddressInfo } from 'node:net'
import fastifyWebsocket from '@fastify/websocket'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import { Registry } from 'prom-client'
import { HubError } from '../../contracts/index.ts'
import { loadAuthToken, type TokenSource } from './auth-token.ts'
import { type InflightChat, registerChatRoute } from './chat-route.ts'
import { installErrorReplies } from './error-replies.ts'
import { registerEventsRoutes } from './events-routes.ts'
import { clientErrorReply, frameworkErrorReply } from './framework-errors.ts'
import { registerInfoRoutes, type ServerStats } from './info-routes.ts'
import { trackConnections } from './open-connections.ts'
import { collectRoutes, registerOpenApiRoute } from './openapi-document.ts'
import { parseQueryString } from './query-string.ts'
import { installContentEncodingCheck, installJsonBodyParser } from './request-body-bytes.ts'
import { allowedHostSet, TOKEN_QUERY_PARAMETER } from './request-guard.ts'
import { installRequestTextCheck } from './request-text-check.ts'
import { installRouteValidation } from './route-validation.ts'
import { installSecurityHooks, type SecurityState } from './security-hooks.ts'
import { findRunningServer, removeServerInfo, writeServerInfo } from './server-info.ts'
import { loggerOptions } from './server-logger.ts'
import { createServerMetrics, installHttpMetrics } from './server-metrics.ts'
import { resolveServerOptions, type ServerOptions } from './server-options.ts'
import type { HubPort } from './server-types.ts'
import { installWsCloseReasons } from './ws-close-reasons.ts'
import { createWsRegistry, registerWsEventsRoute } from './ws-events-route.ts'
import { registerWsFramesRoute } from './ws-frames-route.ts'
import { WS_CLOSE_GOING_AWAY, WS_CLOSE_POLICY_VIOLATION } from './ws-tail-client.ts'

const TRACE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/
const SHUTDOWN_POLL_MS = 10
/** Longest path parameter the router matches (Fastify's default); longer answers 414. */
const DEFAULT_MAX_PARAM_LENGTH_CHARS = 100

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8000 */
  url: string
  /** The URL to open once: it sets the login cookie and redirects to `/` (contains the token). */
  loginUrl: string
  host: string
  port: number
  token: string
  tokenSource: TokenSource
  registry: Registry
  stats(): ServerStats
  /** Stops accepting, ends chats with an error event, closes WS clients with 1001, then resolves. */
  close(): Promise<void>
}

function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')
    return String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown')
  } catch {
    return 'unknown'
  }
}

function traceIdOf(request: IncomingMessage): string {
  const header = request.headers['x-trace-id']
  return typeof header === 'string' && TRACE_ID_PATTERN.test(header) ? header : randomUUID()
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  const outcome = await Promise.race([promise.then(() => true), timeout])
  clearTimeout(timer)
  return outcome
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition() && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_POLL_MS))
}

/** Starts the kernel's HTTP + WebSocket server in front of `hub`. */
export async function createServer(options: ServerOptions, hub: HubPort): Promise<RunningServer> {
  const config = resolveServerOptions(options)
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  if (config.writeServerInfo) {
    const running = await findRunningServer(config.dataDir)
    if (running !== undefined) {
      throw new HubError(
        'E_IO',
        `a server already runs for ${config.dataDir} at ${running.url} (pid ${running.pid}); stop it or use another --data`,
      )
    }
  }
  const loaded = loadAuthToken({ dataDir: config.dataDir, token: config.token, env: config.env })
  const version = config.version ?? packageVersion()
  const registry = config.registry ?? new Registry()
  const startedAt = Date.now()
  const inflight = new Set<InflightChat>()
  const wsRegistry = createWsRegistry()
  const security: SecurityState = {
    token: loaded.token,
    allowedHosts: new Set(),
    allowedOrigins: config.allowedOrigins,
    closing: false,
    ...(options.principals === undefined ? {} : { authority: options.principals }),
  }
  const stats = (): ServerStats => ({
    wsClients: wsRegistry.clients.size,
    wsBufferedBytes: wsRegistry.bufferedBytes(),
    chatsInFlight: inflight.size,
  })
  const metrics = createServerMetrics(registry, {
    wsClients: () => wsRegistry.clients.size,
    wsBufferedBytes: () => wsRegistry.bufferedBytes(),
  })

  const app: FastifyInstance = Fastify({
    logger: loggerOptions(config.logger),
    genReqId: traceIdOf,
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'traceId' }),
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: config.connectionsCheckIntervalMs,
    },
    // Escapes that do not decode are recorded, not kept as text (decision 2071); what Fastify and
    // Node refuse by themselves answers the hub's envelope (decision 2072).
    routerOptions: { querystringParser: parseQueryString, maxParamLength: DEFAULT_MAX_PARAM_LENGTH_CHARS },
    frameworkErrors: frameworkErrorReply(DEFAULT_MAX_PARAM_LENGTH_CHARS),
    clientErrorHandler: clientErrorReply(maxHeaderSize),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    forceCloseConnections: 'idle',
  })
  if (loaded.warning !== undefined) app.log.warn(loaded.warning)
  // Half-open sockets (a request begun, headers never finished) are cut at close (decision 1633).
  const connections = trackConnections(app.server)
  installRouteValidation(app)
  const routes = collectRoutes(app)

  await app.register(fastifyWebsocket, {
    options: { maxPayload: config.wsMaxPayloadBytes },
    // close() has already said goodbye (1001) to every client; cut whatever is left.
    preClose: (done) => {
      for (const client of app.websocketServer.clients) client.terminate()
      done()
    },
  })
  installWsCloseReasons(app.websocketServer, config.wsMaxPayloadBytes)
  // Callback style: an async hook costs a promise and a `then` per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-trace-id', request.id)
    done()
  })
  installSecurityHooks(app, security)
  installRequestTextCheck(app)
  installContentEncodingCheck(app)
  installJsonBodyParser(app)
  installHttpMetrics(app, registry)
  installErrorReplies(app)
  registerChatRoute(app, {
    hub,
    config,
    inflight,
    onActive: (delta) => metrics.chatsActive.inc(delta),
    onKernelTiming: (timing) => {
      metrics.chatKernelMs.observe({ phase: 'before_model' }, timing.beforeModelMs)
      metrics.chatKernelMs.observe({ phase: 'after_first_token' }, timing.afterFirstTokenMs)
    },
  })
  registerEventsRoutes(app, { hub, config })
  registerWsEventsRoute(app, { hub, config, metrics, registry: wsRegistry })
  // A revoked principal's open tails end at once, with policy violation (decision 2011).
  const stopWatchingRevocations = options.principals?.onRevoked((principalId) => {
    for (const entry of wsRegistry.clients)
      if (entry.principalId === principalId) entry.client.close(WS_CLOSE_POLICY_VIOLATION, 'token revoked')
  })
  registerWsFramesRoute(app, { hub, config })
  registerInfoRoutes(app, { hub, registry, version, startedAt, stats })
  for (const registerRoutes of config.routes) await registerRoutes(app)
  await import('./static-route.ts').then((route) => route.registerDashboardRoutes(app))
  registerOpenApiRoute(app, routes, version)

  await app.listen({ host: config.host, port: config.port })
  const port = (app.server.address() as AddressInfo).port
  security.allowedHosts = allowedHostSet(config.host, port, config.allowedHosts)
  const url = `http://${urlHost(config.host)}:${port}`
  if (!['127.0.0.1', '::1', 'localhost'].includes(config.host)) {
    app.log.warn(
      { host: config.host },
      'listening beyond loopback: anyone who can reach this address may try the token',
    )
  }
  if (config.writeServerInfo) {
    writeServerInfo(config.dataDir, {
      url,
      pid: process.pid,
      startedAt: new Date(startedAt).toISOString(),
      version,
    })
  }

  let closing: Promise<void> | undefined
  const shutdown = async (): Promise<void> => {
    security.closing = true
    connections.closing()
    stopWatchingRevocations?.()
    const reason = new HubError('E_UNKNOWN', 'the server is shutting down', {
      details: { reason: 'shutdown' },
    })
    const chats = [...inflight]
    for (const chat of chats) chat.controller.abort(reason)
    await within(Promise.all(chats.map((chat) => chat.done)), config.shutdownGraceMs)
    for (const entry of wsRegistry.clients) entry.client.close(WS_CLOSE_GOING_AWAY, 'server shutting down')
    await until(() => wsRegistry.clients.size === 0, config.shutdownGraceMs)
    if (!(await within(app.close(), config.shutdownGraceMs))) {
      app.server.closeAllConnections()
      await app.close()
    }
    if (config.writeServerInfo) removeServerInfo(config.dataDir, url)
  }

  return {
    url,
    loginUrl: `${url}/?${TOKEN_QUERY_PARAMETER}=${encodeURIComponent(loaded.token)}`,
    host: config.host,
    port,
    token: loaded.token,
    tokenSource: loaded.source,
    registry,
    stats,
    close: () => {
      closing ??= shutdown()
      return closing
    },
  }
}
