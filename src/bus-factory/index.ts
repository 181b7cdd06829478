// Above the bus and the transports (decision 1360): picks a transport by name and opens a bus on it.
export type { BusFlags } from './bus-choice.ts'
export { chooseBus, openChosenBus } from './bus-choice.ts'
export { EVENTS_FILE_NAME, openBus } from './open-bus.ts'
