export type {
  HubConfigOptions,
  LeafCredential,
  RootConfigOptions,
  ServerBasics,
} from './federation-config.ts'
export {
  ACCOUNT,
  hubConfig,
  ROOT_DOMAIN,
  rootConfig,
  rootSourceStream,
  SYSTEM_ACCOUNT,
} from './federation-config.ts'
export type { FederationPolicy, PolicyUser, Role, RolePermissions } from './federation-policy.ts'
export { DEFAULT_ROLE_PERMISSIONS, expandPermissions, parsePolicy, ROLES } from './federation-policy.ts'
export type { HubNames } from './names.ts'
export { consumerToken, hubNames } from './names.ts'
export type { NatsTransportOptions } from './nats-options.ts'
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_EPHEMERAL_INACTIVE_MS,
  DEFAULT_MAX_EVENT_BYTES,
  DEFAULT_NATS_SERVERS,
  DEFAULT_PUBLISH_RETRY_MS,
  DEFAULT_PUBLISH_TIMEOUT_MS,
  DEFAULT_RECONNECT_WAIT_MS,
} from './nats-options.ts'
export { natsTransport } from './nats-transport.ts'
export type { ServerFeatures } from './server-features.ts'
export { atLeast, parseVersion, serverFeatures, unavailableFeatures } from './server-features.ts'
