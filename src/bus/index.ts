// The bus and its transport kit (Transport, TransportContext, createLogTransport and the log engine
// types) that src/transports/* build on. The bus never imports a transport: src/bus-factory picks one.
export { createBus } from './bus.ts'
export type {
  Bus,
  BusClient,
  BusOptions,
  EventHandler,
  PublishOptions,
  PublishReceipt,
  ReplayOptions,
  SubscribeOptions,
  Subscription,
} from './bus-types.ts'
export type { Clock } from './clock.ts'
export { systemClock } from './clock.ts'
export { DEFAULT_DEDUPE_WINDOW_MS, DedupeWindow, dedupeKeysOf } from './dedupe-window.ts'
export type { HubServer } from './hub-server-client.ts'
export { findHubServer, getEvents, postEventBatches, postEvents } from './hub-server-client.ts'
export { isoTime } from './iso-time.ts'
export { LiveDispatcher } from './live-dispatcher.ts'
export type {
  AttemptState,
  ConsumerChanges,
  ConsumerSnapshot,
  ConsumerStateStore,
  LogReader,
  StoredRecord,
} from './log-engine-types.ts'
export type { LogBackend } from './log-transport.ts'
export { createLogTransport } from './log-transport.ts'
export { pagedIterable } from './page-iterator.ts'
export type { PermissionChecker, PermissionTable } from './permissions.ts'
export { createPermissionChecker } from './permissions.ts'
export { envelopeTimeMs, withSequence } from './sequence.ts'
export { rememberStoredJson, storedJsonOf } from './stored-json.ts'
export type { TypeMatcher } from './subjects.ts'
export { compileTypePattern } from './subjects.ts'
export type {
  AppendItem,
  AppendOutcome,
  ConsumerConfig,
  ConsumerMember,
  DeadLetterEntry,
  DeadLetterQuery,
  DeliveryHandler,
  LiveHandler,
  LiveOptions,
  LiveSubscription,
  ReadQuery,
  StoredEventJson,
  TopicStat,
  Transport,
  TransportContext,
  TransportFactory,
} from './transport-types.ts'
export { uuidV7 } from './uuid-v7.ts'
