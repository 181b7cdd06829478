// Runs one streaming chat with the rules every provider shares: a first-token deadline, an idle
// deadline between parts, retries with backoff only while nothing was delivered, and a stream
// that must end in exactly one `done` (never a silently truncated answer).
import { HubError, toHubError } from '../../contracts/index.ts'
import { backoffDelayMs, isRetryable, type RetryPolicy, sleep } from './retry.ts'
import type { LlmDelta } from './types.ts'

export interface StreamRunnerOptions extends RetryPolicy {
  firstTokenTimeoutMs: number
  idleTimeoutMs: number
  /** "Ollama at http://…", for messages. */
  describeTarget: string
  /** URL or path, for error details. */
  target: string
  signal?: AbortSignal | undefined
}

/** One attempt: opens the stream bound to `signal` (aborting it must close the connection). */
export type OpenAttempt = (signal: AbortSignal) => AsyncIterable<LlmDelta>

function timeoutError(options: StreamRunnerOptions, phase: 'first' | 'idle'): HubError {
  const message =
    phase === 'first'
      ? `${options.describeTarget} sent no token within ${options.firstTokenTimeoutMs} ms`
      : `${options.describeTarget} stalled: no token for ${options.idleTimeoutMs} ms`
  return new HubError('E_TIMEOUT', message, {
    details: {
      url: options.target,
      reason: phase === 'first' ? 'first-token-timeout' : 'idle-timeout',
      retryable: false,
    },
  })
}

export async function* runStream(open: OpenAttempt, options: StreamRunnerOptions): AsyncGenerator<LlmDelta> {
  const outer = options.signal
  let delivered = false
  for (let retry = 0; ; retry++) {
    if (outer?.aborted) throw outer.reason
    const controller = new AbortController()
    const forwardAbort = (): void => controller.abort(outer?.reason)
    outer?.addEventListener('abort', forwardAbort, { once: true })
    let timer: NodeJS.Timeout | undefined
    const arm = (phase: 'first' | 'idle'): void => {
      clearTimeout(timer)
      const ms = phase === 'first' ? options.firstTokenTimeoutMs : options.idleTimeoutMs
      timer = setTimeout(() => controller.abort(timeoutError(options, phase)), ms)
    }
    let finished = false
    try {
      arm('first')
      let sawDone = false
      for await (const delta of open(controller.signal)) {
        if (sawDone) continue
        clearTimeout(timer)
        if (delta.type === 'done') sawDone = true
        else if (delta.type === 'token' && delta.text === '') {
          // An empty part is the provider's sign of life (a line without text, a tool-call fragment).
          arm(delivered ? 'idle' : 'first')
          continue
        }
        delivered = true
        // The deadline is paused while the consumer holds the part (its slowness is not the server's).
        yield delta
        if (!sawDone) arm('idle')
      }
      if (!sawDone) {
        throw new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `${options.describeTarget} ended the stream without completing`,
          {
            details: { url: options.target, reason: 'truncated', retryable: true },
          },
        )
      }
      finished = true
      return
    } catch (error) {
      if (outer?.aborted) throw outer.reason
      const failure = controller.signal.aborted
        ? toHubError(controller.signal.reason)
        : toHubError(error, 'E_IO')
      if (delivered || retry >= options.maxRetries || !isRetryable(failure)) throw failure
      await sleep(backoffDelayMs(retry + 1, options, failure), outer)
    } finally {
      clearTimeout(timer)
      outer?.removeEventListener('abort', forwardAbort)
      // A consumer that stops early (break/return) must not leave the request open.
      if (!finished) controller.abort(new HubError('E_IO', 'chat stream closed by its consumer'))
    }
  }
}
