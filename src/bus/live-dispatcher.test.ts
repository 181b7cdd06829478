// The live dispatcher keeps publish order per subscriber, also when its queue is full and an
// event waits for room: a later event must not overtake the one that waits (decision 2100).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Envelope } from '../contracts/index.ts'
import { systemClock } from './clock.ts'
import { LiveDispatcher } from './live-dispatcher.ts'

const eventOf = (n: number) =>
  ({ id: `e${n}`, type: 'note.added', seq: n, payload: {} }) as unknown as Envelope

test('an event that waited for room is handled before one dispatched after it', async () => {
  const dispatcher = new LiveDispatcher({
    limits: { maxPending: 2, blockMs: 100 },
    clock: systemClock,
    onBackpressure: () => {},
    onError: (error) => {
      throw error
    },
  })
  const seen: number[] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  dispatcher.subscribe(
    'note.*',
    async (envelope) => {
      seen.push(envelope.seq!)
      if (envelope.seq === 1) await gate
      // A handler that publishes as it runs: its event comes after the one that waited (4).
      if (envelope.seq === 2) void dispatcher.dispatch(eventOf(5), false)
    },
    { name: 'ordered' },
  )
  // 1 runs and holds, 2 and 3 fill the queue, 4 waits for room.
  for (const n of [1, 2, 3, 4]) void dispatcher.dispatch(eventOf(n), false)
  release()
  await new Promise((resolve) => setTimeout(resolve, 20))
  await dispatcher.drain()
  assert.deepEqual(seen, [1, 2, 3, 4, 5])
})
