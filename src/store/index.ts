export { createConsumerStore } from './consumer-store.ts'
export type { EnvelopeJsonParts } from './envelope-json.ts'
export { envelopeJsonParts, joinEnvelopeJson } from './envelope-json.ts'
export { createEventReader } from './event-reader.ts'
export type { EventStore } from './event-store.ts'
export { openEventStore } from './event-store.ts'
export { EventWriter } from './event-writer.ts'
export type { RetentionOutcome, RetentionRules, RetentionRunner, RetentionTargets } from './hub-retention.ts'
export { applyRetention, startRetention } from './hub-retention.ts'
export { checkpoint } from './maintenance.ts'
export type { SqliteDatabase } from './open-database.ts'
export { checkDatabaseFile, openDatabase } from './open-database.ts'
export { RecentEvents } from './recent-events.ts'
export type { RetentionReport } from './retention.ts'
export { enforceRetention } from './retention.ts'
export { SCHEMA_VERSION } from './schema.ts'
export { corruptFileError, recoveryHint, storeError } from './store-errors.ts'
export type {
  EventStoreOptions,
  EventStoreSettings,
  RetentionPolicy,
  RetentionRule,
  SynchronousMode,
} from './store-options.ts'
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  DEFAULT_GROUP_COMMIT_MAX_EVENTS,
  DEFAULT_GROUP_COMMIT_WINDOW_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_RECENT_EVENTS,
  DEFAULT_RETENTION_INTERVAL_MS,
  DEFAULT_SYNCHRONOUS,
  DEFAULT_WAL_LIMIT_BYTES,
  eventStoreSettings,
} from './store-options.ts'
