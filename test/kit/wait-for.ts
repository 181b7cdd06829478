import type { BusClient, SubscribeOptions } from '../../src/bus/index.ts'
import type { Envelope } from '../../src/contracts/index.ts'

/** Polls `condition` on real time until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** Default pause between two checks of waitForAsync, in milliseconds. */
export const DEFAULT_ASYNC_POLL_INTERVAL_MS = 25

/**
 * Like waitFor, for a condition that has to ask someone (a server's monitoring endpoint, a
 * stream's state): checks again after each answer until it holds or `timeoutMs` passes. A check
 * that throws counts as "not yet" (a server that is restarting); its last error is reported.
 */
export async function waitForAsync(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 3000,
  intervalMs = DEFAULT_ASYNC_POLL_INTERVAL_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      if (await condition()) return
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`
      throw new Error(`timed out waiting for ${what}${cause}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Lets queued immediates and I/O callbacks run (pumps, flushes, group commits). */
export async function settle(turns = 5): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setTimeout(resolve, 1))
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

/** Default time a test waits for an event before failing, in milliseconds. */
export const DEFAULT_EVENT_TIMEOUT_MS = 10_000

/** Events of one pattern, recorded from the moment watchEvents resolved. */
export interface EventWatch {
  readonly events: readonly Envelope[]
  /** The first recorded or future event that matches; rejects after `timeoutMs` naming `what`. */
  next(predicate: (event: Envelope) => boolean, what: string, timeoutMs?: number): Promise<Envelope>
  /** Resolves once `count` events (matching `predicate`, when given) have been recorded. */
  count(
    count: number,
    what: string,
    predicate?: (event: Envelope) => boolean,
    timeoutMs?: number,
  ): Promise<Envelope[]>
  stop(): Promise<void>
}

interface Waiter {
  check(): boolean
}

/**
 * Subscribes to `pattern` and records what arrives, so a test can publish and then wait for the
 * answer without polling or sleeping. Subscribe before publishing: nothing earlier is recorded
 * (unless `options.from` asks for it).
 */
export async function watchEvents(
  bus: Pick<BusClient, 'subscribe'>,
  pattern: string,
  options: SubscribeOptions = {},
): Promise<EventWatch> {
  const events: Envelope[] = []
  const waiters = new Set<Waiter>()
  const subscription = await bus.subscribe(
    pattern,
    (event) => {
      events.push(event)
      for (const waiter of [...waiters]) if (waiter.check()) waiters.delete(waiter)
    },
    options,
  )

  function until<T>(found: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const now = found()
    if (now !== undefined) return Promise.resolve(now)
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const value = found()
          if (value === undefined) return false
          clearTimeout(timer)
          resolve(value)
          return true
        },
      }
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        const seen = events.map((event) => event.type).join(', ')
        reject(new Error(`timed out waiting for ${what} on ${pattern} (seen: ${seen || 'nothing'})`))
      }, timeoutMs)
      waiters.add(waiter)
    })
  }

  return {
    events,
    next: (predicate, what, timeoutMs = DEFAULT_EVENT_TIMEOUT_MS) =>
      until(() => events.find(predicate), what, timeoutMs),
    count: (count, what, predicate = () => true, timeoutMs = DEFAULT_EVENT_TIMEOUT_MS) =>
      until(
        () => {
          const matching = events.filter(predicate)
          return matching.length >= count ? matching : undefined
        },
        what,
        timeoutMs,
      ),
    stop: () => subscription.unsubscribe(),
  }
}
