import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { deadlineSignal } from './deadline-signal.ts'

const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  )

test('the deadline fires with a TimeoutError, even with garbage collected in between', async () => {
  const parent = new AbortController()
  const { signal } = deadlineSignal(30, parent.signal)
  // What lost AbortSignal.timeout inside AbortSignal.any on Node 20 (nodejs/node#57736): a full
  // collection while the work waits. The runner has no --expose-gc, so the flag is set here.
  setFlagsFromString('--expose-gc')
  const collect = runInNewContext('gc') as () => void
  for (let round = 0; round < 3; round++) collect()
  const reason = (await aborted(signal)) as DOMException
  assert.equal(reason.name, 'TimeoutError')
})

test('another signal aborting first passes its reason on; clear() stops the timer', async () => {
  const parent = new AbortController()
  const deadline = deadlineSignal(60_000, undefined, parent.signal)
  parent.abort(new Error('client gone'))
  assert.equal(deadline.signal.aborted, true)
  assert.equal((deadline.signal.reason as Error).message, 'client gone')
  const quiet = deadlineSignal(20)
  quiet.clear()
  await new Promise((resolve) => setTimeout(resolve, 60))
  assert.equal(quiet.signal.aborted, false)
  const already = AbortSignal.abort(new Error('before'))
  assert.equal((deadlineSignal(60_000, already).signal.reason as Error).message, 'before')
})
