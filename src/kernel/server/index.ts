export type { LoadedToken, TokenSource } from './auth-token.ts'
export {
  AUTH_TOKEN_FILE,
  generateToken,
  loadAuthToken,
  MIN_TOKEN_CHARS,
  TOKEN_ENV_VARIABLE,
} from './auth-token.ts'
export type { RunningServer } from './create-server.ts'
export { createServer } from './create-server.ts'
export type { ServerStats } from './info-routes.ts'
export { TOKEN_COOKIE } from './request-guard.ts'
export { OWNER_PRINCIPAL_ID } from './security-hooks.ts'
export type { ServerInfo } from './server-info.ts'
export { findRunningServer, readServerInfo, SERVER_INFO_FILE, serverInfoPath } from './server-info.ts'
export type { RouteRegistrar, ServerLoggerOptions, ServerOptions } from './server-options.ts'
export {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_EVENTS_BODY_LIMIT_BYTES,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_REPLAY_LIMIT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_SSE_HEARTBEAT_MS,
  DEFAULT_WS_MAX_CLIENTS,
  DEFAULT_WS_QUEUE_LIMIT_BYTES,
  MAX_REPLAY_LIMIT,
} from './server-options.ts'
export type {
  ChatInput,
  ChatPart,
  HealthReport,
  HubPort,
  IngestBody,
  Principal,
  PublishReceipt,
  ReplayQuery,
  SessionSummary,
  TailListener,
  TailQuery,
  TailSubscription,
} from './server-types.ts'
export { WS_CLOSE_GOING_AWAY, WS_CLOSE_SLOW_CONSUMER } from './ws-tail-client.ts'
