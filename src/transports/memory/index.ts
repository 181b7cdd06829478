export { createMemoryBackend } from './memory-log.ts'
export type { MemoryTransportOptions } from './memory-transport.ts'
export { memoryTransport } from './memory-transport.ts'
