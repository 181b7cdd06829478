import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { setTimeout as wait } from 'node:timers/promises'
import { HubError } from '../../contracts/index.ts'
import { backoffDelayMs, withRetries } from './retry.ts'
import { type OpenAttempt, runStream, type StreamRunnerOptions } from './stream-runner.ts'
import type { LlmDelta } from './types.ts'

const DONE: LlmDelta = {
  type: 'done',
  model: 'm',
  finishReason: 'stop',
  usage: { promptTokens: 1, completionTokens: 2 },
}

function options(overrides: Partial<StreamRunnerOptions> = {}): StreamRunnerOptions {
  return {
    firstTokenTimeoutMs: 1_000,
    idleTimeoutMs: 1_000,
    maxRetries: 2,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    describeTarget: 'Fake at x',
    target: 'x',
    ...overrides,
  }
}

const retryable = (): HubError =>
  new HubError('E_DEPENDENCY_UNAVAILABLE', 'reset', { details: { retryable: true, reason: 'disconnect' } })

async function collect(stream: AsyncIterable<LlmDelta>): Promise<LlmDelta[]> {
  const parts: LlmDelta[] = []
  for await (const part of stream) parts.push(part)
  return parts
}

/** Waits for the signal, then throws its reason, like a socket torn down by abort. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

describe('runStream', () => {
  test('retries a retryable failure before the first token, then streams', async () => {
    let attempts = 0
    const open: OpenAttempt = async function* () {
      attempts++
      if (attempts < 3) throw retryable()
      yield { type: 'token', text: 'a' }
      yield DONE
    }
    assert.deepEqual(await collect(runStream(open, options())), [{ type: 'token', text: 'a' }, DONE])
    assert.equal(attempts, 3)
  })

  test('gives up after maxRetries and throws the last failure', async () => {
    let attempts = 0
    const open: OpenAttempt = async function* () {
      attempts++
      if (attempts > 0) throw retryable()
      yield DONE
    }
    await assert.rejects(collect(runStream(open, options({ maxRetries: 2 }))), {
      code: 'E_DEPENDENCY_UNAVAILABLE',
    })
    assert.equal(attempts, 3)
  })

  test('never retries after a token was delivered', async () => {
    let attempts = 0
    const open: OpenAttempt = async function* () {
      attempts++
      yield { type: 'token', text: 'partial' }
      throw retryable()
    }
    const parts: LlmDelta[] = []
    await assert.rejects(
      async () => {
        for await (const part of runStream(open, options())) parts.push(part)
      },
      { code: 'E_DEPENDENCY_UNAVAILABLE' },
    )
    assert.equal(attempts, 1)
    assert.deepEqual(parts, [{ type: 'token', text: 'partial' }])
  })

  test('a delivered tool call counts as delivered: never retried, never duplicated', async () => {
    let attempts = 0
    const call: LlmDelta = { type: 'tool_call', id: 'call_0', name: 'write_file', arguments: { path: 'a' } }
    const open: OpenAttempt = async function* () {
      attempts++
      yield call
      throw retryable()
    }
    const parts: LlmDelta[] = []
    await assert.rejects(
      async () => {
        for await (const part of runStream(open, options())) parts.push(part)
      },
      { code: 'E_DEPENDENCY_UNAVAILABLE' },
    )
    assert.equal(attempts, 1)
    assert.deepEqual(parts, [call])
  })

  test('does not retry failures not marked retryable', async () => {
    let attempts = 0
    const open: OpenAttempt = async function* () {
      attempts++
      if (attempts > 0) throw new HubError('E_BAD_REQUEST', 'no')
      yield DONE
    }
    await assert.rejects(collect(runStream(open, options())), { code: 'E_BAD_REQUEST' })
    assert.equal(attempts, 1)
  })

  test('empty token parts do not count as delivered (a retry is still allowed)', async () => {
    let attempts = 0
    const open: OpenAttempt = async function* () {
      attempts++
      yield { type: 'token', text: '' }
      if (attempts === 1) throw retryable()
      yield DONE
    }
    assert.deepEqual(await collect(runStream(open, options())), [DONE])
    assert.equal(attempts, 2)
  })

  test('a stream that ends without done is an error, never a silent truncation', async () => {
    const open: OpenAttempt = async function* () {
      yield { type: 'token', text: 'half' }
    }
    await assert.rejects(collect(runStream(open, options())), (error: unknown) => {
      return (
        error instanceof HubError &&
        error.code === 'E_DEPENDENCY_UNAVAILABLE' &&
        /without completing/.test(error.message)
      )
    })
  })

  test('first-token timeout aborts the attempt with E_TIMEOUT', async () => {
    let attemptSignal: AbortSignal | undefined
    const open: OpenAttempt = async function* (signal) {
      attemptSignal = signal
      await untilAborted(signal)
      yield DONE
    }
    await assert.rejects(collect(runStream(open, options({ firstTokenTimeoutMs: 30 }))), (error: unknown) => {
      return (
        error instanceof HubError &&
        error.code === 'E_TIMEOUT' &&
        error.details?.reason === 'first-token-timeout'
      )
    })
    assert.equal(attemptSignal?.aborted, true)
  })

  test('idle timeout between tokens is E_TIMEOUT and is not retried', async () => {
    let attempts = 0
    const open: OpenAttempt = async function* (signal) {
      attempts++
      yield { type: 'token', text: 'a' }
      await untilAborted(signal)
    }
    await assert.rejects(collect(runStream(open, options({ idleTimeoutMs: 30 }))), (error: unknown) => {
      return (
        error instanceof HubError && error.code === 'E_TIMEOUT' && error.details?.reason === 'idle-timeout'
      )
    })
    assert.equal(attempts, 1)
  })

  test('a slow consumer does not trip the idle timeout', async () => {
    const open: OpenAttempt = async function* () {
      yield { type: 'token', text: 'a' }
      yield { type: 'token', text: 'b' }
      yield DONE
    }
    const parts: LlmDelta[] = []
    for await (const part of runStream(open, options({ idleTimeoutMs: 20 }))) {
      parts.push(part)
      await wait(60)
    }
    assert.equal(parts.length, 3)
  })

  test('aborting the caller signal rejects with its reason and aborts the attempt', async () => {
    const controller = new AbortController()
    let attemptSignal: AbortSignal | undefined
    const open: OpenAttempt = async function* (signal) {
      attemptSignal = signal
      yield { type: 'token', text: 'a' }
      await untilAborted(signal)
    }
    const reason = new Error('user cancelled')
    await assert.rejects(async () => {
      for await (const _ of runStream(open, options({ signal: controller.signal }))) controller.abort(reason)
    }, reason)
    assert.equal(attemptSignal?.aborted, true)
  })

  test('an abort during backoff stops retrying at once', async () => {
    const controller = new AbortController()
    let attempts = 0
    const open: OpenAttempt = async function* () {
      attempts++
      setTimeout(() => controller.abort(new Error('stop')), 5)
      throw retryable()
    }
    await assert.rejects(
      collect(
        runStream(
          open,
          options({ signal: controller.signal, retryBaseDelayMs: 10_000, retryMaxDelayMs: 10_000 }),
        ),
      ),
      /stop/,
    )
    assert.equal(attempts, 1)
  })

  test('breaking out of the loop aborts the attempt (the connection is closed)', async () => {
    let attemptSignal: AbortSignal | undefined
    const open: OpenAttempt = async function* (signal) {
      attemptSignal = signal
      yield { type: 'token', text: 'a' }
      yield { type: 'token', text: 'b' }
      yield DONE
    }
    for await (const _ of runStream(open, options())) break
    assert.equal(attemptSignal?.aborted, true)
  })
})

describe('backoff', () => {
  const policy = { maxRetries: 5, retryBaseDelayMs: 100, retryMaxDelayMs: 1_000 }
  test('doubles and caps', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, policy)),
      [100, 200, 400, 800, 1_000],
    )
  })
  test('honours a larger Retry-After, still capped', () => {
    const error = new HubError('E_RESOURCE_LIMIT', 'slow down', { details: { retryAfterMs: 700 } })
    assert.equal(backoffDelayMs(1, policy, error), 700)
    const huge = new HubError('E_RESOURCE_LIMIT', 'slow down', { details: { retryAfterMs: 60_000 } })
    assert.equal(backoffDelayMs(1, policy, huge), 1_000)
  })
  test('withRetries retries retryable failures only', async () => {
    let calls = 0
    const result = await withRetries(
      async () => {
        calls++
        if (calls < 2) throw retryable()
        return 'ok'
      },
      { maxRetries: 3, retryBaseDelayMs: 1, retryMaxDelayMs: 1 },
    )
    assert.equal(result, 'ok')
    assert.equal(calls, 2)
    await assert.rejects(
      withRetries(async () => {
        throw new HubError('E_BAD_REQUEST', 'no')
      }, policy),
      { code: 'E_BAD_REQUEST' },
    )
  })
})
