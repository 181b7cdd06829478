// What the shared consumer engine needs from a log-based transport (memory, SQLite). A transport
// whose server runs consumers itself (JetStream) does not use these.
import type { Envelope } from '../contracts/index.ts'
import type { DeadLetterEntry } from './transport-types.ts'

export interface StoredRecord {
  seq: number
  type: string
  sessionId: string | undefined
  /** Parsed on first use; the engine never mutates it. */
  envelope(): Envelope
  /** The stored JSON text (seq included), when the log keeps one (SQLite): what envelope() parses. */
  readonly body?: string
}

export interface LogReader {
  /** Records with seq > afterSeq in seq order, at most `limit`. */
  readAfter(afterSeq: number, limit: number): StoredRecord[]
  /**
   * Optional: the records after afterSeq whose type `filter` matches, at most `limit`, and the last
   * seq looked at (`through`: every seq up to it was matched or skipped). A log with a type index
   * reads only the matches; the engine then moves its cursor to `through`.
   */
  readMatching?(afterSeq: number, limit: number, filter: string): { records: StoredRecord[]; through: number }
  readSeq(seq: number): StoredRecord | undefined
  lastSeq(): number
  /** The first seq whose ts is at or after timeMs, or lastSeq() + 1 when there is none. */
  firstSeqAtOrAfter(timeMs: number): number
}

export interface AttemptState {
  attempts: number
  lastError: string
}

export interface ConsumerSnapshot {
  filter: string
  ackFloor: number
  /** Acknowledged seqs above the floor. */
  acked: number[]
  attempts: Map<number, AttemptState>
}

export interface ConsumerChanges {
  ackFloor: number
  acked: number[]
  attempts: [number, AttemptState][]
}

export interface ConsumerStateStore {
  load(name: string): ConsumerSnapshot | undefined
  create(name: string, filter: string, ackFloor: number): void
  /** Records progress; may be batched, so a crash can lose the last few (they are redelivered). */
  save(name: string, changes: ConsumerChanges): void
  deadLetter(name: string, envelope: Envelope, attempts: number, lastError: string): DeadLetterEntry
  /** Seqs put back by a DLQ retry, removed from the store as they are taken. */
  takeRedo(name: string): number[]
}
