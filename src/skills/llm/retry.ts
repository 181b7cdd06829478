// Retry policy shared by chat and embeddings: exponential backoff, only for failures marked
// `details.retryable` (5xx, 429, reset connections, empty truncated streams).
import { HubError } from '../../contracts/index.ts'

export interface RetryPolicy {
  maxRetries: number
  retryBaseDelayMs: number
  retryMaxDelayMs: number
}

export function isRetryable(error: unknown): boolean {
  return error instanceof HubError && error.details?.retryable === true
}

/** Delay before retry number `retry` (1-based): base·2^(retry-1), at least Retry-After, capped. */
export function backoffDelayMs(retry: number, policy: RetryPolicy, error?: unknown): number {
  const exponential = policy.retryBaseDelayMs * 2 ** (retry - 1)
  const serverAsked = error instanceof HubError ? error.details?.retryAfterMs : undefined
  const wanted = typeof serverAsked === 'number' ? Math.max(serverAsked, exponential) : exponential
  return Math.min(policy.retryMaxDelayMs, wanted)
}

/** Sleeps, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Runs `attempt` until it succeeds, fails for good, or the retries are spent. */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt()
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (retry >= policy.maxRetries || !isRetryable(error)) throw error
      await sleep(backoffDelayMs(retry + 1, policy, error), signal)
    }
  }
}
