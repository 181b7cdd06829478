import type { JsMsg } from '@nats-io/jetstream'
import type { Envelope } from '../../contracts/index.ts'

type EntryState = 'waiting' | 'inflight' | 'backoff' | 'done'

/** One event a consumer runner holds, from its arrival to its ack, dead-lettering or stop. */
export interface Entry {
  /** True when it came through the redo reader (a DLQ retry), not the log's consumer. */
  redo: boolean
  /** The message to ack/nak/term: the event itself, or a redo request for it. */
  message: JsMsg
  seq: number
  envelope: Envelope
  sessionKey: string | undefined
  state: EntryState
  attempt: number
  /** Counts dispatches: an answer or a timeout for an older one is ignored. */
  token: number
  /** The backoff before a nak; never set on the path of a handler that succeeds. */
  timer: unknown
  settled: Promise<void> | undefined
  /** In the runner's maps: set when it outlives its first dispatch, or waits for its session. */
  held: boolean
  /** Acked or dead-lettered, and let go of. */
  released: boolean
}

/** Whether the entry's dispatch `token` is the one still waiting for its handler. */
export function inflightWith(entry: Entry, token: number): boolean {
  return entry.token === token && entry.state === 'inflight'
}

/** The key a DLQ move is deduplicated by (shared with the max-deliveries advisory: `m:<seq>`). */
export function entryKey(entry: Entry): string {
  return entry.redo ? `r:${entry.message.seq}` : `m:${entry.seq}`
}
