/** Time as the bus sees it; tests pass a manual clock to drive ack waits, backoff and dedupe windows. */
export interface Clock {
  now(): number
  setTimeout(callback: () => void, delayMs: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, delayMs: number): unknown => {
    const handle = setTimeout(callback, delayMs)
    // Bus timers must never keep a process alive on their own; close() is the owner of lifetime.
    handle.unref()
    return handle
  },
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
})
