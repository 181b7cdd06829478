import { type Bus, compileTypePattern } from '../../bus/index.ts'
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
 * first (buffering them), replays the log from `fromSeq` (or `since`), then flushes the buffer
 * skipping what the replay already delivered. Ephemeral events (no seq) pass through live only.
 * A bounded tail (toSeq, until, limit; decision 1626) calls `onEnd` once its bound is reached:
 * the limit delivered, the log past toSeq (every event up to it delivered), or until passed.
 */
export function tailEvents(
  bus: Bus,
  query: TailQuery,
  listener: TailListener,
  signal: AbortSignal,
  onEnd?: (reason: string) => void,
  /** A member's grants: types it may not read are skipped, and do not count towards `limit`. */
  visible?: (type: string) => boolean,
): TailSubscription {
  // Highest seq delivered; undefined in live-only mode until the first stored event.
  let lastSeq = query.fromSeq === undefined ? undefined : query.fromSeq - 1
  let catchingUp = query.fromSeq !== undefined || query.since !== undefined
  let overflowed = false
  const buffer: Envelope[] = []
  let closed = false
  let ended = false
  let finishing = false
  let delivered = 0
  let untilTimer: NodeJS.Timeout | undefined
  let unsubscribe: (() => Promise<void>) | undefined
  const filter = query.filter ?? '>'
  const keys = eventKeysOf(query)
  const wanted = Object.entries(keys) as [keyof EventKeyQuery, string][]
  const sinceMs = query.since === undefined ? undefined : Date.parse(query.since)
  const untilMs = query.until === undefined ? undefined : Date.parse(query.until)
  const toSeq = query.toSeq
  // With toSeq the live side hears every type, so an event of another type past toSeq still ends it.
  const typeMatches = compileTypePattern(filter)
  const matches = (event: Envelope) =>
    (toSeq === undefined || typeMatches(event.type)) && wanted.every(([key, value]) => event[key] === value)
  const inTimeRange = (event: Envelope) => {
    if (sinceMs === undefined && untilMs === undefined) return true
    const ts = Date.parse(event.ts)
    return (sinceMs === undefined || ts >= sinceMs) && (untilMs === undefined || ts <= untilMs)
  }

  const end = (reason: string) => {
    if (ended) return
    ended = true
    close()
    onEnd?.(reason)
  }

  const deliver = (event: Envelope) => {
    if (ended) return
    if (event.seq !== undefined) {
      if (lastSeq !== undefined && event.seq <= lastSeq) return
      if (toSeq !== undefined && event.seq > toSeq) return
      lastSeq = event.seq
    }
    if (visible !== undefined && !visible(event.type)) return
    if (!inTimeRange(event)) return
    const result = listener(event)
    if (query.limit !== undefined && ++delivered >= query.limit) end(`done: limit ${query.limit} reached`)
    return result
  }

  const replayOptions = (until?: number) => ({
    ...(lastSeq === undefined
      ? query.since === undefined
        ? {}
        : { since: query.since }
      : { from: { seq: lastSeq + 1 }, ...(query.since === undefined ? {} : { since: query.since }) }),
    ...(until === undefined ? {} : { to: { seq: until } }),
    ...(query.until === undefined ? {} : { until: query.until }),
    filter,
    ...keys,
    // The WS tail forwards the stored text of replayed events too (decision 1793).
    storedJson: true,
  })

  /** The log has reached toSeq: deliver what is still missing up to it, then end. */
  const finishTo = async (bound: number) => {
    if (finishing) return
    finishing = true
    for await (const event of bus.replay(replayOptions(bound))) {
      if (closed || signal.aborted) return
      await deliver(event)
    }
    end(`done: the log reached to=${bound}`)
  }

  /** After the catch-up: ends a bounded tail whose bound is already reached, or waits for it. */
  const checkBounds = async () => {
    if (toSeq !== undefined && !ended) {
      // Any stored event at or after toSeq means every event up to it is committed.
      let past = lastSeq !== undefined && lastSeq >= toSeq
      if (!past) for await (const _ of bus.replay({ from: { seq: toSeq }, limit: 1 })) past = true
      if (past) await finishTo(toSeq)
    }
    if (untilMs !== undefined && !ended) {
      const wait = untilMs - Date.now()
      if (wait < 0) end(`done: until ${query.until} has passed`)
      else {
        untilTimer = setTimeout(() => end(`done: until ${query.until} has passed`), wait + 1)
        untilTimer.unref()
      }
    }
  }

  const catchUp = async () => {
    for (;;) {
      overflowed = false
      for await (const event of bus.replay(replayOptions(toSeq))) {
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
      toSeq === undefined ? filter : '>',
      (event) => {
        if (closed) return
        if (toSeq !== undefined && event.seq !== undefined && event.seq >= toSeq && !catchingUp) {
          void finishTo(toSeq).catch(() => undefined)
          return
        }
        if (!matches(event)) return
        if (catchingUp) {
          if (buffer.length < DEFAULT_TAIL_BUFFER_EVENTS) buffer.push(event)
          else overflowed = true
          return
        }
        void deliver(event)
      },
      // The WS tail forwards the stored text instead of serialising again (decision 1774).
      { from: 'new', storedJson: true },
    )
    .then(async (subscription) => {
      unsubscribe = () => subscription.unsubscribe()
      if (closed) return unsubscribe()
      if (catchingUp) await catchUp()
      if (!closed) await checkBounds()
    })
    .catch(() => undefined)

  const close = () => {
    if (closed) return
    closed = true
    clearTimeout(untilTimer)
    void unsubscribe?.()
  }
  signal.addEventListener('abort', close, { once: true })
  return { close }
}
