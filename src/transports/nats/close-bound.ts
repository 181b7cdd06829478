/**
 * How long closing waits for work that needs the server (acknowledgements still due, the
 * connection's drain) once the server is known to be gone (decision 1634). Nothing that was
 * acknowledged is lost by giving up: what is cut short was never acknowledged, and its caller
 * gets an error.
 */
export const CLOSE_WAIT_WITHOUT_SERVER_MS = 1_000

const POLL_MS = 50

/**
 * Waits for `work`. While the connection is up it waits as long as the work takes (publishes
 * end by their own timeouts); once `disconnected()` is true it waits at most `graceMs` more.
 * Resolves true when the work finished, false when it was given up.
 */
export function untilDoneOrServerGone(
  work: Promise<unknown>,
  disconnected: () => boolean,
  graceMs: number = CLOSE_WAIT_WITHOUT_SERVER_MS,
): Promise<boolean> {
  return new Promise((resolve) => {
    let goneSince: number | undefined
    const timer = setInterval(() => {
      if (!disconnected()) {
        goneSince = undefined
        return
      }
      goneSince ??= Date.now()
      if (Date.now() - goneSince >= graceMs) finish(false)
    }, POLL_MS)
    const finish = (done: boolean) => {
      clearInterval(timer)
      resolve(done)
    }
    work.then(
      () => finish(true),
      () => finish(true),
    )
  })
}
