import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Pulled, pullParts } from './pull-parts.ts'

/** A source whose parts the test hands over one by one, and which notes whether it was told to stop. */
function manualSource<T>() {
  const waiting: Array<(result: IteratorResult<T>) => void> = []
  const queued: IteratorResult<T>[] = []
  let failure: unknown
  const state = { returned: false }
  const source: AsyncIterable<T> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (failure !== undefined) return Promise.reject(failure)
        const ready = queued.shift()
        return ready === undefined
          ? new Promise<IteratorResult<T>>((resolve) => waiting.push(resolve))
          : Promise.resolve(ready)
      },
      return: async () => {
        state.returned = true
        return { value: undefined, done: true }
      },
    }),
  }
  const hand = (result: IteratorResult<T>) => {
    const resolve = waiting.shift()
    if (resolve === undefined) queued.push(result)
    else resolve(result)
  }
  return {
    source,
    state,
    give: (value: T) => hand({ value, done: false }),
    end: () => hand({ value: undefined, done: true }),
    fail: (error: unknown) => {
      failure = error
      waiting.shift()?.(Promise.reject(error) as never)
    },
  }
}

const kinds = (pulled: Pulled<string>[]) =>
  pulled.map((item) => (item.kind === 'part' ? item.value : item.kind))

test('a silent source gets a heartbeat after each quiet interval, from the one timer', async () => {
  const { source, give, end } = manualSource<string>()
  const parts = pullParts(source, new AbortController().signal, 20)
  const seen: Pulled<string>[] = []
  seen.push((await parts.next()).value as Pulled<string>)
  seen.push((await parts.next()).value as Pulled<string>)
  give('a')
  seen.push((await parts.next()).value as Pulled<string>)
  const started = performance.now()
  seen.push((await parts.next()).value as Pulled<string>)
  // The interval starts again when a wait begins, not when the timer was first armed.
  assert.ok(performance.now() - started >= 15, 'the third heartbeat waited a whole interval')
  end()
  assert.equal((await parts.next()).done, true)
  assert.deepEqual(kinds(seen), ['heartbeat', 'heartbeat', 'a', 'heartbeat'])
})

test('a part that comes while the consumer is busy is kept for its next pull, and parts keep their order', async () => {
  const { source, give, end } = manualSource<string>()
  const parts = pullParts(source, new AbortController().signal, 10)
  // The heartbeat ends the first wait while the source's next() is still pending.
  assert.deepEqual((await parts.next()).value, { kind: 'heartbeat' })
  // The consumer is busy (not pulling) when that next() answers.
  give('a')
  give('b')
  await new Promise((resolve) => setTimeout(resolve, 2))
  const first = await parts.next()
  end()
  const rest: Pulled<string>[] = []
  for await (const pulled of parts) if (pulled.kind === 'part') rest.push(pulled)
  assert.deepEqual(kinds([first.value as Pulled<string>, ...rest]), ['a', 'b'])
})

test('an abort ends a wait with one aborted item and tells the source to stop', async () => {
  const { source, state } = manualSource<string>()
  const controller = new AbortController()
  const parts = pullParts(source, controller.signal, 10_000)
  const pulling = parts.next()
  setTimeout(() => controller.abort(), 5)
  assert.deepEqual((await pulling).value, { kind: 'aborted' })
  assert.equal((await parts.next()).done, true)
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(state.returned, true)
})

test('an abort while the consumer is busy is seen at the next pull, before any part', async () => {
  const { source, give } = manualSource<string>()
  const controller = new AbortController()
  const parts = pullParts(source, controller.signal)
  give('a')
  assert.deepEqual((await parts.next()).value, { kind: 'part', value: 'a' })
  controller.abort()
  give('b')
  assert.deepEqual((await parts.next()).value, { kind: 'aborted' })
})

test("the source's error is thrown to the consumer", async () => {
  const { source, fail } = manualSource<string>()
  const parts = pullParts(source, new AbortController().signal, 1_000)
  const pulling = parts.next()
  fail(new Error('broken'))
  await assert.rejects(pulling, /broken/)
})
