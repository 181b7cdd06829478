export { AUTH_TOKEN_FILE, TOKEN_ENV_VARIABLE } from './auth-token.ts'
export type { RunningServer } from './create-server.ts'
export { createServer } from './create-server.ts'
export { HttpHubError } from './error-replies.ts'
export { isOwner, OWNER_PRINCIPAL_ID, principalOf, type RouteAccessConfig } from './security-hooks.ts'
export { findRunningServer, readServerInfo } from './server-info.ts'
export type { ServerOptions } from './server-options.ts'
export type {
  ChatInput,
  ChatPart,
  EventKeyQuery,
  HealthReport,
  HubPort,
  IngestBody,
  Principal,
  PrincipalAuthority,
  PublishReceipt,
  ReplayQuery,
  SessionSummary,
  TailListener,
  TailQuery,
  TailSubscription,
} from './server-types.ts'
