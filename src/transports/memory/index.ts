export { createMemoryBackend } from './memory-log.ts'
export { memoryTransport } from './memory-transport.ts'
export type { MemoryTransportOptions } from './memory-transport.ts'
