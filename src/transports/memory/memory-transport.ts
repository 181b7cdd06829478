import { createLogTransport, type TransportFactory } from '../../bus/index.ts'
import { createMemoryBackend } from './memory-log.ts'

export type MemoryTransportOptions = Record<string, never>

/**
 * The in-process transport: a log, consumers and DLQ in memory. Everything the bus promises holds
 * while the process lives; nothing persists (capabilities.persistent is false).
 */
export function memoryTransport(_options: MemoryTransportOptions = {}): TransportFactory {
  return async (context) =>
    createLogTransport({
      name: 'memory',
      capabilities: Object.freeze({ persistent: false, sharedAcrossProcesses: false }),
      context,
      backend: createMemoryBackend({
        dedupeWindowMs: context.dedupeWindowMs,
        now: () => context.clock.now(),
      }),
    })
}
