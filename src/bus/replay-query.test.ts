import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { collect } from '../../test/kit/wait-for.ts'
import { memoryTransport } from '../transports/memory/index.ts'
import { createBus } from './bus.ts'

test('on a transport without query keys the bus matches traceId, sessionId and source and applies the limit after them', async (t) => {
  const bus = await createBus({ registry: testRegistry(), transport: memoryTransport() })
  t.after(() => bus.close())
  assert.notEqual(bus.capabilities.queryKeys, true)
  const drafts = Array.from({ length: 30 }, (_, n) => ({
    type: 'note.added',
    payload: { n },
    traceId: n % 3 === 0 ? 'trace-a' : `other-${n}`,
    ...(n % 2 === 0 ? { sessionId: 'even' } : {}),
    source: n % 5 === 0 ? 'skill.five' : 'kernel',
  }))
  for (const outcome of await bus.publishManyUntyped(drafts)) assert.equal(outcome.ok, true)
  const ns = async (options: Parameters<typeof bus.replay>[0]) =>
    (await collect(bus.replay(options))).map((event) => event.payload.n)
  assert.deepEqual(await ns({ traceId: 'trace-a', limit: 4 }), [0, 3, 6, 9])
  assert.deepEqual(await ns({ traceId: 'trace-a', sessionId: 'even' }), [0, 6, 12, 18, 24])
  assert.deepEqual(await ns({ source: 'skill.five', sessionId: 'even' }), [0, 10, 20])
  await assert.rejects(collect(bus.replay({ traceId: '' })), /traceId must be a non-empty string/)
  await assert.rejects(
    collect(bus.replay({ from: { time: '2026-01-01T00:00:00Z' }, since: '2026-01-01T00:00:00Z' })),
    /not both/,
  )
})
