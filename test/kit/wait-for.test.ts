import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openBus } from '../../src/bus-factory/index.ts'
import { testRegistry } from './test-registry.ts'
import { watchEvents } from './wait-for.ts'

test('watchEvents: next and count wait for events, see recorded ones, and time out naming what', async (t) => {
  const bus = await openBus({ registry: testRegistry(), transport: 'memory' })
  t.after(() => bus.close())
  const notes = await watchEvents(bus, 'note.added')
  t.after(() => notes.stop())

  const third = notes.next((event) => event.payload.n === 3, 'note 3')
  for (const n of [1, 2, 3]) await bus.publishUntyped({ type: 'note.added', payload: { n } })
  assert.equal((await third).payload.n, 3)
  // Already recorded: resolves without another event.
  assert.equal((await notes.next((event) => event.payload.n === 1, 'note 1')).payload.n, 1)
  assert.deepEqual(
    (await notes.count(2, 'two odd notes', (event) => (event.payload.n as number) % 2 === 1)).map(
      (event) => event.payload.n,
    ),
    [1, 3],
  )
  await assert.rejects(
    notes.next((event) => event.payload.n === 9, 'note 9', 50),
    /note 9 on note\.added/,
  )
  await assert.rejects(notes.count(4, 'four notes', undefined, 50), /four notes/)
})
