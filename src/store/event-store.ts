import type { LogBackend } from '../bus/index.ts'
import { type HubError, toHubError } from '../contracts/index.ts'
import { createConsumerStore } from './consumer-store.ts'
import { createEventReader } from './event-reader.ts'
import { EventWriter } from './event-writer.ts'
import { checkpoint, startMaintenance } from './maintenance.ts'
import { openDatabase, type SqliteDatabase } from './open-database.ts'
import { RecentEvents } from './recent-events.ts'
import { enforceRetention, type RetentionReport } from './retention.ts'
import { storeError } from './store-errors.ts'
import { type EventStoreOptions, type EventStoreSettings, eventStoreSettings } from './store-options.ts'

export interface EventStore extends LogBackend {
  readonly settings: EventStoreSettings
  readonly db: SqliteDatabase
  /** Commits whatever waits in the group-commit queue now. */
  flush(): void
  enforceRetention(): RetentionReport
  checkpoint(): void
}

/**
 * The SQLite event log (events.sqlite): log, consumer positions, dedupe keys and DLQ in one
 * file; one writer per process with group commit; several processes may share the file.
 */
export function openEventStore(
  options: EventStoreOptions,
  onError: (error: HubError, where: string) => void = () => {},
): EventStore {
  const settings = eventStoreSettings(options)
  const db = openDatabase(settings)
  const recent = new RecentEvents(settings.recentEvents)
  const writer = new EventWriter(db, settings, recent, onError)
  const events = createEventReader(db, recent, settings.path)
  const consumers = createConsumerStore(db, writer, settings.path, settings.now)
  const report = (error: unknown, where: string) =>
    onError(toHubError(storeError(error, settings.path, where)), where)
  const stopMaintenance = startMaintenance(db, settings, report)
  const dataVersion = db.prepare('PRAGMA data_version').pluck()
  const pendingRedo = db.prepare('SELECT 1 FROM consumer_redo LIMIT 1').pluck()
  let closed = false

  function watch(onChange: () => void): () => void {
    let seen = dataVersion.get() as number
    const timer = setInterval(() => {
      try {
        const version = dataVersion.get() as number
        // data_version moves only for other connections' commits: drop our recent-events cache.
        if (version !== seen) {
          seen = version
          recent.clear()
          onChange()
        } else if (pendingRedo.get() !== undefined) onChange()
      } catch (error) {
        report(error, 'watching for other processes')
      }
    }, settings.pollIntervalMs)
    timer.unref()
    return () => clearInterval(timer)
  }

  return {
    settings,
    db,
    reader: events.reader,
    state: consumers.state,
    append: (items) => writer.append(items),
    read: events.read,
    readJson: events.readJson,
    topics: events.topics,
    listDeadLetters: consumers.listDeadLetters,
    takeDeadLetters: consumers.takeDeadLetters,
    watch,
    flush: () => writer.flush(),
    enforceRetention: () => enforceRetention(db, settings.retention, settings.now(), settings.dedupeWindowMs),
    checkpoint: () => checkpoint(db, settings),
    async close() {
      if (closed) return
      closed = true
      stopMaintenance()
      writer.close()
      try {
        checkpoint(db, settings)
      } catch {
        // Another process may hold a read transaction; its next checkpoint catches up.
      }
      db.close()
    },
  }
}
