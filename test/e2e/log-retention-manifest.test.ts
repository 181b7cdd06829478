// retention.events.maxBytes acts (on NATS as the stream's max_bytes); on other stores it is
// refused (decisions 1400, 1612, 1625).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { openBus } from '../../src/bus-factory/index.ts'
import { startNatsServer } from '../kit/nats-server.ts'
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

test('retention.events.maxBytes on a NATS bus is the log stream max_bytes (decision 1625)', {
  timeout: 180_000,
}, async (t) => {
  const nats = await startNatsServer({ name: 'manifest-max-bytes' })
  let connection: Awaited<ReturnType<typeof connect>>
  try {
    const setup = setUp(t)
    await startHub(t, setup, (m) => (m.retention.events = { maxAgeDays: 30, maxBytes: 1_000_000 }), {
      bus: { bus: nats.url, hubId: 'capped' },
    })
    connection = await connect({ servers: nats.url })
  } catch (error) {
    await nats.dispose()
    throw error
  }
  t.after(() => connection.close())
  // After hooks run in the order they were added: the server goes last, once the hub has closed
  // (a hub whose server vanished first waits out its reconnect attempts).
  t.after(() => nats.dispose())
  const info = await (await jetstreamManager(connection)).streams.info('LH_capped')
  assert.equal(info.config.max_bytes, 1_000_000)
  assert.equal(info.config.max_age, 30 * 86_400 * 1e9)
})
