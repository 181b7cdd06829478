// Every manifest key acts or is refused (docs/decisions/1400..1406): a real hub is opened on a
// manifest with one value changed, and the effect is observed through the HTTP API or the files.
// This part: retention of events, dead letters and memory.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { openBus } from '../../src/bus-factory/index.ts'
import { openMemoryStore } from '../../src/skills/memory/index.ts'
import { ManualClock } from '../kit/manual-clock.ts'
import { waitForAsync } from '../kit/wait-for.ts'
import { call, DAY, events, type Json, refused, setUp, startHub } from './manifest-keys-kit.ts'

async function seedEvents(dataDir: string, at: number, count: number): Promise<void> {
  const clock = new ManualClock(at)
  const bus = await openBus({ transport: 'sqlite', dataDir, clock })
  try {
    for (let index = 0; index < count; index++) {
      await bus.publish({ type: 'ui.feedback', payload: { target: `seeded-${index}`, helpful: true } })
    }
  } finally {
    await bus.close()
  }
}

describe('retention', { timeout: 60_000 }, () => {
  test('retention.events.maxAgeDays deletes old events at start and publishes store.retention.applied', async (t) => {
    const setup = setUp(t)
    await seedEvents(setup.dataDir, Date.now() - 40 * DAY, 3)
    const hub = await startHub(t, setup, (m) => {
      m.retention.events = { maxAgeDays: 30 }
    })
    await waitForAsync(
      async () => (await events(hub, 'ui.feedback')).length === 0,
      'old events deleted',
      10_000,
    )
    const applied = await events(hub, 'store.retention.applied')
    assert.equal(applied.length, 1)
    assert.deepEqual((applied[0]!.payload as Json).stores, [{ store: 'events', deleted: 3, maxAgeDays: 30 }])
  })

  test('retention.events.maxCount keeps the newest events of a type', async (t) => {
    const setup = setUp(t)
    await seedEvents(setup.dataDir, Date.now(), 5)
    const hub = await startHub(t, setup, (m) => {
      m.retention.events = { maxCount: 2 }
    })
    await waitForAsync(async () => (await events(hub, 'ui.feedback')).length === 2, 'two events left', 10_000)
  })

  test('without a rule for events nothing is deleted', async (t) => {
    const setup = setUp(t)
    await seedEvents(setup.dataDir, Date.now() - 400 * DAY, 2)
    const hub = await startHub(t, setup, (m) => {
      delete m.retention.events
    })
    assert.equal((await events(hub, 'ui.feedback')).length, 2)
  })

  test('retention.deadLetters.maxCount purges the oldest dead letters', async (t) => {
    const setup = setUp(t)
    const bus = await openBus({ transport: 'sqlite', dataDir: setup.dataDir })
    await bus.subscribe(
      'ui.feedback',
      () => {
        throw new Error('always fails')
      },
      { durable: 'retention-test', maxDeliver: 1 },
    )
    for (let index = 0; index < 3; index++) {
      await bus.publish({ type: 'ui.feedback', payload: { target: `dlq-${index}`, helpful: false } })
    }
    await waitForAsync(async () => (await bus.dlq.list()).length === 3, 'three dead letters', 10_000)
    await bus.close()
    const hub = await startHub(t, setup, (m) => {
      m.retention.deadLetters = { maxCount: 1 }
    })
    await waitForAsync(
      async () => (await call(hub, 'GET', '/dlq')).body.data.length === 1,
      'one dead letter left',
      10_000,
    )
  })

  test('retention.memory.maxAgeDays deletes old memories', async (t) => {
    const setup = setUp(t)
    mkdirSync(setup.dataDir, { recursive: true })
    const memory = openMemoryStore({ path: join(setup.dataDir, 'memory.sqlite') })
    memory.recordTurn({
      sessionId: 's',
      userText: 'ancient question',
      assistantText: 'a',
      ts: Date.now() - 90 * DAY,
    })
    memory.recordTurn({
      sessionId: 's',
      userText: 'recent question',
      assistantText: 'b',
      ts: Date.now() - DAY,
    })
    memory.close()
    const hub = await startHub(t, setup, (m) => {
      m.retention.memory = { maxAgeDays: 30 }
    })
    const listed = JSON.stringify((await call(hub, 'GET', '/memory')).body.data)
    assert.match(listed, /recent question/)
    assert.doesNotMatch(listed, /ancient question/)
  })

  test('a ledger or rag rule other than userControlled stops the hub', async (t) => {
    await refused(
      t,
      (m) => (m.retention.ledger = { maxAgeDays: 30 }),
      '/retention/ledger/maxAgeDays',
      /ledger/,
    )
    await refused(t, (m) => (m.retention.rag = { maxAgeDays: 30 }), '/retention/rag/maxAgeDays', /RAG index/)
  })
})
