// Ephemeral events are deduped in the publishing process, by id, for the window but for at most
// DEFAULT_EPHEMERAL_DEDUPE_MAX_KEYS keys, so a day of microphone frames cannot grow the heap
// without bound (decision 2068).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { memoryTransport } from '../transports/memory/index.ts'
import { createBus } from './bus.ts'
import { DEFAULT_EPHEMERAL_DEDUPE_MAX_KEYS } from './dedupe-window.ts'

test('ephemeral ids are remembered for the newest keys only: the oldest may come again, the newest may not', async (t) => {
  const bus = await createBus({ registry: testRegistry(), transport: memoryTransport() })
  t.after(() => bus.close())
  const chunk = (id: string, n: number) => ({ id, type: 'llm.token', payload: { n, text: 't' } })
  const first = randomUUID()
  const firstReceipt = await bus.publishUntyped(chunk(first, 0))
  assert.equal(firstReceipt.duplicate, undefined)
  assert.equal(
    (await bus.publishUntyped(chunk(first, 0))).duplicate,
    true,
    'a repeat inside the window is a duplicate',
  )

  const ids: string[] = []
  const total = DEFAULT_EPHEMERAL_DEDUPE_MAX_KEYS + 1000
  for (let sent = 0; sent < total; sent += 1000) {
    const batch = []
    for (let n = 0; n < 1000; n++) {
      const id = randomUUID()
      ids.push(id)
      batch.push(chunk(id, sent + n + 1))
    }
    const outcomes = await bus.publishManyUntyped(batch)
    assert.ok(outcomes.every((outcome) => outcome.ok))
  }
  const again = await bus.publishUntyped(chunk(first, 0))
  assert.equal(again.duplicate, undefined, 'the oldest id was forgotten once the bound was passed')
  const newest = await bus.publishUntyped(chunk(ids.at(-1)!, 0))
  assert.equal(newest.duplicate, true, 'the newest ids are still deduped')
})
