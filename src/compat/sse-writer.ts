import { PassThrough } from 'node:stream'

/** How often a quiet stream sends a comment line so proxies and idle timers keep it open, in milliseconds. */
export const DEFAULT_STREAM_HEARTBEAT_MS = 15_000

/**
 * A response body fed line by line from a turn. `heartbeat` (an SSE comment, say) is written when
 * nothing else was for `heartbeatMs`; NDJSON streams pass none.
 */
export function streamBody(
  lines: AsyncIterable<string>,
  options: { heartbeat?: string; heartbeatMs?: number; onError: (error: unknown) => string | undefined },
): PassThrough {
  const body = new PassThrough()
  let quiet = true
  const timer =
    options.heartbeat === undefined
      ? undefined
      : setInterval(() => {
          if (quiet) body.write(options.heartbeat)
          quiet = true
        }, options.heartbeatMs ?? DEFAULT_STREAM_HEARTBEAT_MS)
  timer?.unref()
  const pump = async () => {
    try {
      for await (const line of lines) {
        // The client went away (the server destroys the body): stop pulling, which ends the turn's iterator.
        if (body.destroyed) break
        quiet = false
        if (!body.write(line))
          await new Promise((resolve) => {
            body.once('drain', resolve)
            body.once('close', resolve)
          })
      }
    } catch (error) {
      const last = options.onError(error)
      if (last !== undefined && !body.destroyed) body.write(last)
    } finally {
      if (timer !== undefined) clearInterval(timer)
      body.end()
    }
  }
  void pump()
  return body
}
