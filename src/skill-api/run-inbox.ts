import type { Envelope } from '../contracts/index.ts'
import type { RunState } from './run-state.ts'

/**
 * The stream of events a run receives after it started (a WS entry's later messages). `recv` steps
 * read it through the runner; a skill that consumes a whole stream in one step (STT reading an
 * utterance's audio) reads it through this. Events taken here are not in `run.received` unless the
 * skill appends them.
 */
export interface RunInbox {
  /** The next event whose type matches `pattern` (`voice.>`); rejects when `signal` aborts. */
  take(pattern: string, signal: AbortSignal): Promise<Envelope>
}

const INBOX_KEY = 'kernel:inbox'

/** Called by the entry that feeds the run (the kernel), before the run's first step. */
export function attachRunInbox(run: RunState, inbox: RunInbox): void {
  run.data.set(INBOX_KEY, inbox)
}

/** The run's inbox, or undefined when its trigger delivers no stream (HTTP, bus). */
export function runInbox(run: RunState): RunInbox | undefined {
  return run.data.get(INBOX_KEY) as RunInbox | undefined
}
