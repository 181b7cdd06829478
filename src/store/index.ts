export { openEventStore } from './event-store.ts'
export { startRetention } from './hub-retention.ts'
export type { EventStoreOptions } from './store-options.ts'
