import type { Envelope } from '../contracts/index.ts'
import type { StoredRecord } from './log-engine-types.ts'

export type EntryState = 'waiting' | 'ready' | 'inflight' | 'backoff' | 'done'

/** One event of one consumer, from admission to its ack (or the DLQ). */
export interface Entry {
  seq: number
  record: StoredRecord
  envelope: Envelope | undefined
  sessionKey: string | undefined
  state: EntryState
  attempts: number
  lastError: string
  token: number
  timer: unknown
  /** Put back by a DLQ retry: below the floor, outside session order. */
  redo: boolean
  settled: Promise<void> | undefined
}
