export { memoryTransport } from './memory-transport.ts'
