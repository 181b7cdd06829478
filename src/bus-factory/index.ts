// Above the bus and the transports (decision 1360): picks a transport by name and opens a bus on it.
export { openBus } from './open-bus.ts'
