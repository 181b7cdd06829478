/** Time as the bus sees it; tests pass a manual clock to drive ack waits, backoff and dedupe windows. */
export interface Clock {
  now(): number
  setTimeout(callback: () => void, delayMs: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  // Timers stay referenced: a pending request, redelivery or held publisher keeps the process
  // alive until it is settled; close() clears what is left.
  setTimeout: (callback: () => void, delayMs: number): unknown => setTimeout(callback, delayMs),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
})
