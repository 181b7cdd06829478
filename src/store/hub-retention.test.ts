import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ManualClock } from '../../test/kit/manual-clock.ts'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import type { Bus, DeadLetterEntry } from '../bus/index.ts'
import { openBus } from '../bus-factory/index.ts'
import { applyRetention, startRetention } from './hub-retention.ts'

const DAY = 24 * 60 * 60 * 1000

async function sqliteBus(t: { after: (fn: () => unknown) => void }, clock: ManualClock) {
  const temp = makeTempDir('localhub-retention-')
  const bus = await openBus({ transport: 'sqlite', dataDir: temp.path, clock })
  t.after(async () => {
    await bus.close()
    temp.remove()
  })
  return { bus, eventsPath: join(temp.path, 'events.sqlite') }
}

async function count(bus: Bus, filter: string): Promise<number> {
  let total = 0
  for await (const _ of bus.replay({ filter })) total++
  return total
}

/** Publishes chat.query events; returns their ids (the stored payload keeps only a hash of the text). */
async function publishQueries(bus: Bus, texts: string[]): Promise<string[]> {
  const ids: string[] = []
  for (const text of texts) {
    ids.push((await bus.publish({ type: 'chat.query', sessionId: 's1', payload: { text } })).id)
  }
  return ids
}

describe('retention of the event log', () => {
  test('maxAgeDays deletes events committed before the cut and publishes store.retention.applied', async (t) => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
    const { bus, eventsPath } = await sqliteBus(t, clock)
    await publishQueries(bus, ['old one', 'old two'])
    clock.advance(20 * DAY)
    await publishQueries(bus, ['recent'])
    clock.advance(15 * DAY)
    const outcome = await applyRetention({ bus, eventsPath }, { events: { maxAgeDays: 30 } }, clock.now())
    assert.equal(outcome.deleted, 2)
    assert.deepEqual(outcome.stores, [{ store: 'events', deleted: 2, maxAgeDays: 30 }])
    assert.equal(await count(bus, 'chat.query'), 1)
    const applied = []
    for await (const event of bus.replay({ filter: 'store.retention.applied' })) applied.push(event)
    assert.equal(applied.length, 1)
    assert.deepEqual(applied[0]!.payload, {
      stores: [{ store: 'events', deleted: 2, maxAgeDays: 30 }],
      deleted: 2,
      appliedAt: new Date(clock.now()).toISOString(),
    })
  })

  test('maxCount keeps the newest events of each type; nothing deleted means no event', async (t) => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
    const { bus, eventsPath } = await sqliteBus(t, clock)
    const ids = await publishQueries(bus, ['a', 'b', 'c', 'd'])
    const first = await applyRetention({ bus, eventsPath }, { events: { maxCount: 2 } }, clock.now())
    assert.equal(first.deleted, 2)
    const kept = []
    for await (const event of bus.replay({ filter: 'chat.query' })) kept.push(event.id)
    assert.deepEqual(kept, ids.slice(2))
    const second = await applyRetention({ bus, eventsPath }, { events: { maxCount: 2 } }, clock.now())
    assert.equal(second.deleted, 0)
    assert.equal(await count(bus, 'store.retention.applied'), 1, 'only the pass that deleted is published')
  })

  test('userControlled and a missing events file delete nothing', async (t) => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
    const { bus, eventsPath } = await sqliteBus(t, clock)
    await publishQueries(bus, ['a'])
    clock.advance(100 * DAY)
    const controlled = await applyRetention(
      { bus, eventsPath },
      { events: { userControlled: true } },
      clock.now(),
    )
    assert.equal(controlled.deleted, 0)
    const noFile = await applyRetention({ bus }, { events: { maxAgeDays: 1 } }, clock.now())
    assert.deepEqual(noFile.stores, [])
    assert.equal(await count(bus, 'chat.query'), 1)
  })

  test('the runner passes at once and on its interval, and stops cleanly', async (t) => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
    const { bus, eventsPath } = await sqliteBus(t, clock)
    await publishQueries(bus, ['a', 'b', 'c'])
    const runner = startRetention(
      { bus, eventsPath },
      { events: { maxCount: 1 } },
      { intervalMs: 60_000, now: () => clock.now() },
    )
    const outcome = await runner.runNow()
    // The first pass started when the runner did; runNow joined it or ran after it.
    assert.ok(outcome.deleted === 2 || outcome.deleted === 0)
    assert.equal(await count(bus, 'chat.query'), 1)
    await runner.stop()
    await assert.rejects(runner.runNow(), { code: 'E_BAD_REQUEST' })
  })

  test('bad limits are refused', () => {
    assert.throws(() => startRetention({}, { events: { maxAgeDays: -1 } }), { code: 'E_BAD_REQUEST' })
    assert.throws(() => startRetention({}, {}, { intervalMs: 0 }), { code: 'E_BAD_REQUEST' })
  })
})

describe('retention of dead letters and memory', () => {
  function fakeBus(entries: Partial<DeadLetterEntry>[]) {
    const published: { type: string; payload: unknown }[] = []
    const purged: number[][] = []
    return {
      published,
      purged,
      bus: {
        publish: async (draft: { type: string; payload: unknown }) => {
          published.push(draft)
          return { id: 'x', seq: 1 } as never
        },
        dlq: {
          list: async () => entries as DeadLetterEntry[],
          purge: async (query: { ids?: number[] }) => {
            purged.push(query.ids ?? [])
            return entries.filter((entry) => query.ids?.includes(entry.dlqId!)) as DeadLetterEntry[]
          },
        },
      },
    }
  }

  test('dead letters older than maxAgeDays, or beyond maxCount (newest kept), are purged', async () => {
    const now = Date.parse('2026-02-01T00:00:00Z')
    const entries = [
      { dlqId: 1, movedAt: new Date(now - 10 * DAY).toISOString() },
      { dlqId: 2, movedAt: new Date(now - 8 * DAY).toISOString() },
      { dlqId: 3, movedAt: new Date(now - 1 * DAY).toISOString() },
      { dlqId: 4, movedAt: new Date(now - 1000).toISOString() },
    ]
    const byAge = fakeBus(entries)
    const outcome = await applyRetention({ bus: byAge.bus as never }, { deadLetters: { maxAgeDays: 7 } }, now)
    assert.deepEqual(byAge.purged, [[2, 1]])
    assert.equal(outcome.deleted, 2)
    assert.equal(byAge.published[0]?.type, 'store.retention.applied')
    const byCount = fakeBus(entries)
    await applyRetention({ bus: byCount.bus as never }, { deadLetters: { maxCount: 3 } }, now)
    assert.deepEqual(byCount.purged, [[1]])
  })

  test('memory retention sweeps through the memory store and is counted', async () => {
    const calls: number[] = []
    const memory = {
      applyRetention: () => {
        calls.push(1)
        return { episodes: 2, facts: 1 }
      },
    }
    const outcome = await applyRetention({ memory }, { memory: { maxAgeDays: 30 } }, Date.now())
    assert.deepEqual(outcome.stores, [{ store: 'memory', deleted: 3, maxAgeDays: 30 }])
    const controlled = await applyRetention({ memory }, { memory: { userControlled: true } }, Date.now())
    assert.equal(controlled.deleted, 0)
    assert.equal(calls.length, 1)
  })
})
