// What a failed delivery leads to: a wait before the next attempt (the consumer's backoffMs) and,
// after maxDeliver attempts, the move to the dead-letter queue. Called only when a handler fails.
import type { Clock } from './clock.ts'
import type { Entry } from './consumer-entry.ts'
import type { ConsumerStateStore } from './log-engine-types.ts'
import type { ConsumerConfig } from './transport-types.ts'

/** The wait before the attempt after `attempts`: backoffMs[attempts - 1], the last value repeating. */
export function backoffDelayMs(backoffMs: readonly number[], attempts: number): number {
  return backoffMs.length === 0 ? 0 : backoffMs[Math.min(attempts - 1, backoffMs.length - 1)]!
}

/**
 * Moves entry to the consumer's dead-letter queue (a durable consumer's store; an ephemeral one
 * only describes it) and tells config.onDeadLetter. Throws what the store throws.
 */
export function moveToDeadLetters(
  entry: Entry,
  config: ConsumerConfig,
  store: ConsumerStateStore | undefined,
  clock: Clock,
): void {
  // As stored, not as the last attempt's handler left its copy.
  entry.envelope = entry.record.envelope()
  const stored = store?.deadLetter(config.name, entry.envelope, entry.attempts, entry.lastError)
  const moved = stored ?? {
    dlqId: 0,
    consumer: config.name,
    seq: entry.seq,
    eventId: entry.envelope.id,
    eventType: entry.envelope.type,
    attempts: entry.attempts,
    lastError: entry.lastError,
    movedAt: new Date(clock.now()).toISOString(),
    envelope: entry.envelope,
  }
  config.onDeadLetter(moved)
}
