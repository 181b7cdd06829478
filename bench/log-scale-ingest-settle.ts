// Waits until every durable consumer of a hub has acknowledged everything its log holds, for the
// ingest benchmarks (bench/log-scale-ingest*.ts): before each kind on the hub, so the consumers'
// work on the previous kind's events does not land in the next kind's time.
//
// Read cheaply: every durable consumer's saved floor at the log head, no acks above it, no attempt
// waiting. readConsumerLag (what /health uses) examines up to 10,000 events per consumer: 50-70 ms
// of the hub's thread per poll while the hub is behind, which landed in the hub kinds' CPU per event
// and delayed the very catch-up it waited for. It is still the answer when the cheap check has not
// passed for a while (a consumer with no member stays behind on types it never takes).
import Database from 'better-sqlite3'
import type { readConsumerLag } from '../src/store/index.ts'

/** How often the wait looks at the consumers' saved positions (a cheap read). */
const SETTLE_POLL_MS = 20
/** How often it also asks readConsumerLag, the exact (and costly) answer. */
const SETTLE_EXACT_CHECK_MS = 2000
const SETTLE_GIVE_UP_MS = 300_000

export interface ConsumerWait {
  /** Resolves with the milliseconds waited once the consumers are done. */
  settle(): Promise<number>
  close(): void
}

/** `readLag` comes from the same build of the hub as the one benchmarked (sources or dist/). */
export function consumerWait(logPath: string, readLag: typeof readConsumerLag): ConsumerWait {
  const db = new Database(logPath, { readonly: true })
  const behind = db
    .prepare(
      'SELECT (SELECT last_seq FROM log_head WHERE id = 1) - (SELECT min(ack_floor) FROM consumers)' +
        ' + (SELECT count(*) FROM consumer_acks) + (SELECT count(*) FROM consumer_attempts)',
    )
    .pluck()
  return {
    async settle() {
      const started = performance.now()
      let exactAt = started + SETTLE_EXACT_CHECK_MS
      for (;;) {
        if ((behind.get() as number) === 0) break
        if (performance.now() >= exactAt) {
          exactAt = performance.now() + SETTLE_EXACT_CHECK_MS
          const lag = readLag(logPath)
          if (lag.consumers.every((consumer) => consumer.pending === 0 && consumer.ackPending === 0)) break
        }
        if (performance.now() - started > SETTLE_GIVE_UP_MS)
          throw new Error('the hub consumers did not catch up')
        await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS))
      }
      return performance.now() - started
    },
    close() {
      db.close()
    },
  }
}
