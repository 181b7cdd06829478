export type Pulled<T> = { kind: 'part'; value: T } | { kind: 'heartbeat' } | { kind: 'aborted' }

type Settled<T> = { ok: true; result: IteratorResult<T> } | { ok: false; error: unknown }

/**
 * Iterates `source` but never waits on it past an abort, and reports a heartbeat when nothing came
 * for `heartbeatMs`. A producer that ignores its signal cannot hold a response (or shutdown) open.
 */
export async function* pullParts<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
  heartbeatMs?: number,
): AsyncGenerator<Pulled<T>, void, undefined> {
  const iterator = source[Symbol.asyncIterator]()
  let onAbort: () => void = () => {}
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted')
    if (signal.aborted) resolve('aborted')
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  let pending: Promise<Settled<T>> | undefined
  let finished = false
  try {
    while (true) {
      // Settled promises never reject, so a part arriving after an abort cannot become unhandled.
      pending ??= iterator.next().then(
        (result): Settled<T> => ({ ok: true, result }),
        (error: unknown): Settled<T> => ({ ok: false, error }),
      )
      let timer: NodeJS.Timeout | undefined
      const heartbeat =
        heartbeatMs === undefined
          ? undefined
          : new Promise<'heartbeat'>((resolve) => {
              timer = setTimeout(() => resolve('heartbeat'), heartbeatMs)
            })
      const winner = await Promise.race(
        heartbeat === undefined ? [pending, aborted] : [pending, aborted, heartbeat],
      )
      clearTimeout(timer)
      if (winner === 'aborted') {
        yield { kind: 'aborted' }
        return
      }
      if (winner === 'heartbeat') {
        yield { kind: 'heartbeat' }
        continue
      }
      pending = undefined
      if (!winner.ok) {
        finished = true
        throw winner.error
      }
      if (winner.result.done === true) {
        finished = true
        return
      }
      yield { kind: 'part', value: winner.result.value }
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
    // Tell an unfinished producer to stop, without waiting for it.
    if (!finished)
      void Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {})
  }
}
