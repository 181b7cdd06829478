import type { Bus } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import type { EventKeyQuery, TailListener, TailQuery, TailSubscription } from '../server/index.ts'

/** Events buffered per tail while it catches up from the log; past this the tail restarts its replay. */
export const DEFAULT_TAIL_BUFFER_EVENTS = 10_000

/** The traceId, sessionId and source a query names (only those given). */
export function eventKeysOf(query: EventKeyQuery): EventKeyQuery {
  return {
    ...(query.traceId === undefined ? {} : { traceId: query.traceId }),
    ...(query.sessionId === undefined ? {} : { sessionId: query.sessionId }),
    ...(query.source === undefined ? {} : { source: query.source }),
  }
}

/**
 * Live tail that resumes from a seq with no gap and no duplicates: it subscribes to live events
 * first (buffering them), replays the log from `fromSeq`, then flushes the buffer skipping what the
 * replay already delivered. Ephemeral events (no seq) pass through live only.
 */
export function tailEvents(
  bus: Bus,
  query: TailQuery,
  listener: TailListener,
  signal: AbortSignal,
): TailSubscription {
  // Highest seq delivered; undefined in live-only mode until the first stored event.
  let lastSeq = query.fromSeq === undefined ? undefined : query.fromSeq - 1
  let catchingUp = query.fromSeq !== undefined
  let overflowed = false
  const buffer: Envelope[] = []
  let closed = false
  let unsubscribe: (() => Promise<void>) | undefined
  const filter = query.filter ?? '>'
  const keys = eventKeysOf(query)
  const wanted = Object.entries(keys) as [keyof EventKeyQuery, string][]
  const matchesKeys = (event: Envelope) => wanted.every(([key, value]) => event[key] === value)

  const deliver = (event: Envelope) => {
    if (event.seq !== undefined) {
      if (lastSeq !== undefined && event.seq <= lastSeq) return
      lastSeq = event.seq
    }
    return listener(event)
  }

  const catchUp = async () => {
    for (;;) {
      overflowed = false
      for await (const event of bus.replay({ from: { seq: (lastSeq ?? 0) + 1 }, filter, ...keys })) {
        if (closed || signal.aborted) return
        await deliver(event)
      }
      while (buffer.length > 0 && !overflowed) {
        if (closed) return
        await deliver(buffer.shift()!)
      }
      // Checked and cleared with no await in between, so no live event can slip past both paths.
      if (!overflowed) {
        catchingUp = false
        return
      }
      buffer.length = 0
    }
  }

  bus
    .subscribe(
      filter,
      (event) => {
        if (closed || !matchesKeys(event)) return
        if (catchingUp) {
          if (buffer.length < DEFAULT_TAIL_BUFFER_EVENTS) buffer.push(event)
          else overflowed = true
          return
        }
        void deliver(event)
      },
      { from: 'new' },
    )
    .then(async (subscription) => {
      unsubscribe = () => subscription.unsubscribe()
      if (closed) return unsubscribe()
      if (catchingUp) await catchUp()
    })
    .catch(() => undefined)

  const close = () => {
    if (closed) return
    closed = true
    void unsubscribe?.()
  }
  signal.addEventListener('abort', close, { once: true })
  return { close }
}
