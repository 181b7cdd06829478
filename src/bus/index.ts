export { createBus, toTimeMs } from './bus.ts'
export {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_LIVE_BLOCK_MS,
  DEFAULT_MAX_ACK_PENDING,
  DEFAULT_MAX_DELIVER,
  DEFAULT_MAX_LIVE_PENDING,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SOURCE,
} from './bus-defaults.ts'
export type {
  Bus,
  BusClient,
  BusOptions,
  DeadLetterApi,
  EventContext,
  EventHandler,
  PublishOutcome,
  PublishReceipt,
  ReplayOptions,
  ReplayPosition,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus-types.ts'
export type { Clock } from './clock.ts'
export { systemClock } from './clock.ts'
export type { ConsumerEngineOptions } from './consumer-engine.ts'
export { ConsumerEngine } from './consumer-engine.ts'
export { DEFAULT_DEDUPE_WINDOW_MS, DedupeWindow, dedupeKeysOf } from './dedupe-window.ts'
export type { HubServer, RemoteReplayQuery } from './hub-server-client.ts'
export {
  AUTH_TOKEN_FILE,
  findHubServer,
  getEvents,
  postEvents,
  SERVER_INFO_FILE,
} from './hub-server-client.ts'
export type { LiveDispatcherOptions } from './live-dispatcher.ts'
export { BACKPRESSURE_REPORT_INTERVAL_MS, LiveDispatcher } from './live-dispatcher.ts'
export type {
  AttemptState,
  ConsumerChanges,
  ConsumerSnapshot,
  ConsumerStateStore,
  LogReader,
  StoredRecord,
} from './log-engine-types.ts'
export type { LogBackend, LogTransportSpec } from './log-transport.ts'
export { createLogTransport } from './log-transport.ts'
export type { OpenBusOptions } from './open-bus.ts'
export { EVENTS_FILE_NAME, openBus } from './open-bus.ts'
export { deferredIterable, pagedIterable } from './page-iterator.ts'
export type { PermissionChecker, PermissionTable, PrincipalPermissions } from './permissions.ts'
export { createPermissionChecker, patternCovers } from './permissions.ts'
export type { PreparedEvent } from './prepare-envelope.ts'
export { prepareEnvelope } from './prepare-envelope.ts'
export { replyTypeOf } from './request-reply.ts'
export { envelopeTimeMs, withSequence } from './sequence.ts'
export type { TypeMatcher } from './subjects.ts'
export {
  compileTypePattern,
  DEFAULT_HUB_ID,
  hubSubjectPrefix,
  subjectMatches,
  subjectOf,
  validatePattern,
} from './subjects.ts'
export { BUS_EVENT_TYPES } from './system-events.ts'
export type {
  AppendItem,
  AppendOutcome,
  BackpressureReport,
  ConsumerConfig,
  ConsumerMember,
  DeadLetterEntry,
  DeadLetterQuery,
  DeliverFrom,
  DeliveryHandler,
  DeliveryInfo,
  LiveHandler,
  LiveLimits,
  LiveOptions,
  LiveSubscription,
  ReadQuery,
  TopicStat,
  Transport,
  TransportCapabilities,
  TransportContext,
  TransportFactory,
} from './transport-types.ts'
export { uuidV7, uuidV7Time } from './uuid-v7.ts'
