// Above the bus and the transports: chooses a transport by name and opens a bus on it.
export type { OpenBusOptions } from './open-bus.ts'
export { openBus } from './open-bus.ts'
