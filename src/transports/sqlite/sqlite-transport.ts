import { createLogTransport, type TransportFactory } from '../../bus/index.ts'
import { type EventStoreOptions, openEventStore } from '../../store/index.ts'

export type SqliteTransportOptions = Omit<EventStoreOptions, 'dedupeWindowMs' | 'now'>

/**
 * The embedded default: the SQLite log (events.sqlite) with group commit, consumers run in this
 * process by the shared engine, and a poll (PRAGMA data_version) that wakes them when another
 * process sharing the file commits.
 */
export function sqliteTransport(options: SqliteTransportOptions): TransportFactory {
  return async (context) => {
    const store = openEventStore(
      { ...options, dedupeWindowMs: context.dedupeWindowMs, now: () => context.clock.now() },
      context.onError,
    )
    return createLogTransport({
      name: 'sqlite',
      capabilities: Object.freeze({ persistent: true, sharedAcrossProcesses: true, queryKeys: true }),
      context,
      backend: store,
    })
  }
}
