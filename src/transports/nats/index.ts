export { connectionAuth } from './connection-auth.ts'
export { DEFAULT_PULL_BATCH } from './consumer-pulls.ts'
export { hubConfig, rootConfig, rootSourceStream } from './federation-config.ts'
export type { FederationPolicy } from './federation-policy.ts'
export { parsePolicy } from './federation-policy.ts'
export { ensureClientTls, ensureLeafTls, localNames } from './leaf-tls.ts'
export type { LogImportPlan } from './log-import.ts'
export {
  DEFAULT_IMPORT_BATCH,
  importLog,
  planLogImport,
  prepareHubStream,
  raiseSessionCounters,
} from './log-import.ts'
export type { NatsTransportOptions } from './nats-options.ts'
export { natsTransport } from './nats-transport.ts'
export { nkeySeedFileOf, withNkeyUsers } from './nkey-users.ts'
