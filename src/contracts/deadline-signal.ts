// A deadline for work that may also be cancelled. Not AbortSignal.any([signal,
// AbortSignal.timeout(ms)]): on Node 20 the timeout signal inside `any` can be garbage-collected
// before it fires (nodejs/node#57736), and the work then waits forever, as a stdio skill's tool
// call did. Here the timer holds the controller until it fires or `clear()` is called.

/** What deadlineSignal answers: the signal to pass on, and `clear()` for when the work is done. */
export interface Deadline {
  readonly signal: AbortSignal
  /** Stops the timer and lets go of the other signals; the signal stays as it is. */
  clear(): void
}

/**
 * Aborts after `ms` with a TimeoutError (as AbortSignal.timeout does) or when one of `signals`
 * aborts, with its reason. The timer keeps the process alive, as the work it bounds does: call
 * `clear()` when the work ends.
 */
export function deadlineSignal(ms: number, ...signals: (AbortSignal | undefined)[]): Deadline {
  const controller = new AbortController()
  const sources = signals.filter((signal): signal is AbortSignal => signal !== undefined)
  const onAbort = (event: Event) => {
    clear()
    controller.abort((event.target as AbortSignal).reason)
  }
  const timer = setTimeout(() => {
    clear()
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
  }, ms)
  function clear(): void {
    clearTimeout(timer)
    for (const source of sources) source.removeEventListener('abort', onAbort)
  }
  for (const source of sources) {
    if (source.aborted) {
      clear()
      controller.abort(source.reason)
      break
    }
    source.addEventListener('abort', onAbort, { once: true })
  }
  return { signal: controller.signal, clear }
}
