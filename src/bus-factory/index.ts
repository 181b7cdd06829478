// Above the bus and the transports (decision 1360): picks a transport by name and opens a bus on it.
export type { BusFlags } from './bus-choice.ts'
export { chooseBus, openChosenBus } from './bus-choice.ts'
export { type BusLag, type BusLagProbe, busLagProbe } from './bus-lag.ts'
export { type FederationView, federationView } from './federation-view.ts'
export { migrateLogToNats } from './log-migration-entry.ts'
export { EVENTS_FILE_NAME, openBus } from './open-bus.ts'
