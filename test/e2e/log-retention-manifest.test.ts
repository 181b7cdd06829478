// retention.events.maxBytes acts; on other stores it is refused (decisions 1400, 1612).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openBus } from '../../src/bus-factory/index.ts'
import { waitForAsync } from '../kit/wait-for.ts'
import { events, type Json, refused, setUp, startHub } from './manifest-keys-kit.ts'

test('retention.events.maxBytes trims the oldest events at start and publishes store.log.compacted', {
  timeout: 60_000,
}, async (t) => {
  const setup = setUp(t)
  const bus = await openBus({ transport: 'sqlite', dataDir: setup.dataDir })
  const target = 'x'.repeat(450)
  for (let round = 0; round < 4; round++)
    await bus.publishMany(
      Array.from({ length: 250 }, () => ({
        type: 'ui.feedback' as const,
        payload: { target, helpful: true },
      })),
    )
  await bus.close()
  const hub = await startHub(t, setup, (m) => {
    m.retention.events = { maxBytes: 512 * 1024 }
  })
  await waitForAsync(
    async () => (await events(hub, 'store.log.compacted')).length === 1,
    'a compaction event',
    20_000,
  )
  const [compacted] = await events(hub, 'store.log.compacted')
  const payload = compacted!.payload as Json
  assert.equal(payload.trigger, 'schedule')
  assert.equal(payload.maxBytes, 512 * 1024)
  assert.ok(payload.deleted > 0 && payload.deleted < 1000, JSON.stringify(payload))
  assert.ok(payload.bytesAfter < payload.bytesBefore, 'space was given back')
  const left = await events(hub, 'ui.feedback')
  assert.equal(left.length, 1000 - payload.deleted)
})

test('retention.deadLetters.maxBytes is refused: a size cap is for the event log', {
  timeout: 60_000,
}, async (t) => {
  await refused(
    t,
    (m) => (m.retention.deadLetters = { maxBytes: 1_000_000 }),
    '/retention/deadLetters/maxBytes',
    /not applied/,
  )
})

test('retention.events.maxBytes is refused on a NATS bus, before anything connects', {
  timeout: 60_000,
}, async (t) => {
  const setup = setUp(t)
  await assert.rejects(
    startHub(t, setup, (m) => (m.retention.events = { maxAgeDays: 30, maxBytes: 1_000_000 }), {
      bus: { bus: 'nats://127.0.0.1:1' },
    }),
    (error: Json) =>
      error.code === 'E_BAD_REQUEST' && /maxBytes is not applied on the NATS bus/.test(error.message),
  )
})
