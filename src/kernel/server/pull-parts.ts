export type Pulled<T> = { kind: 'part'; value: T } | { kind: 'heartbeat' } | { kind: 'aborted' }

const HEARTBEAT: Pulled<never> = Object.freeze({ kind: 'heartbeat' })
const ABORTED: Pulled<never> = Object.freeze({ kind: 'aborted' })

// What ended a wait: the source's next result, its error, the heartbeat or the abort.
const RESULT = 0
const FAILED = 1
const BEAT = 2
const STOP = 3
type Outcome = typeof RESULT | typeof FAILED | typeof BEAT | typeof STOP

/**
 * Iterates `source` but never waits on it past an abort, and reports a heartbeat when nothing came
 * for `heartbeatMs`. A producer that ignores its signal cannot hold a response (or shutdown) open.
 *
 * One timer for the whole iteration, re-armed (`refresh()`) when a wait begins, and one resolver
 * that the source, the timer and the abort settle, whichever comes first (decision 2064): a race
 * of three new promises and a new timer per part were most of what this cost per answer frame.
 */
export async function* pullParts<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
  heartbeatMs?: number,
): AsyncGenerator<Pulled<T>, void, undefined> {
  const iterator = source[Symbol.asyncIterator]()
  // The wait in progress, if any; the source's outcome is kept when it comes while no one waits.
  let wake: ((outcome: Outcome) => void) | undefined
  let inFlight = false
  let ready: typeof RESULT | typeof FAILED | undefined
  let result: IteratorResult<T> | undefined
  let failure: unknown
  const settle = (outcome: Outcome) => {
    const resolve = wake
    wake = undefined
    resolve?.(outcome)
  }
  const onResult = (value: IteratorResult<T>) => {
    inFlight = false
    result = value
    if (wake === undefined) ready = RESULT
    else settle(RESULT)
  }
  const onError = (error: unknown) => {
    inFlight = false
    failure = error
    if (wake === undefined) ready = FAILED
    else settle(FAILED)
  }
  const onAbort = () => settle(STOP)
  signal.addEventListener('abort', onAbort, { once: true })
  // Fires only into a wait: one that comes while the consumer is busy is ignored.
  const timer = heartbeatMs === undefined ? undefined : setTimeout(() => settle(BEAT), heartbeatMs)
  const waitFor = (resolve: (outcome: Outcome) => void) => {
    wake = resolve
  }
  let finished = false
  try {
    while (true) {
      if (signal.aborted) {
        yield ABORTED
        return
      }
      let outcome: Outcome
      if (ready !== undefined) {
        outcome = ready
        ready = undefined
      } else {
        if (!inFlight) {
          inFlight = true
          // A settled outcome never rejects, so a part arriving after an abort cannot become unhandled.
          iterator.next().then(onResult, onError)
        }
        timer?.refresh()
        outcome = await new Promise<Outcome>(waitFor)
      }
      if (outcome === STOP) {
        yield ABORTED
        return
      }
      if (outcome === BEAT) {
        yield HEARTBEAT
        continue
      }
      if (outcome === FAILED) {
        finished = true
        const error = failure
        failure = undefined
        throw error
      }
      const current = result!
      result = undefined
      if (current.done === true) {
        finished = true
        return
      }
      yield { kind: 'part', value: current.value }
    }
  } finally {
    clearTimeout(timer)
    wake = undefined
    signal.removeEventListener('abort', onAbort)
    // Tell an unfinished producer to stop, without waiting for it.
    if (!finished)
      void Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {})
  }
}
