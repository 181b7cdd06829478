// retention.events.maxBytes on NATS becomes the log stream's max_bytes (decision 1625), against a
// real nats-server on random loopback ports (never 4222).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { type NatsServerHandle, startNatsServer } from '../../test/kit/nats-server.ts'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { collect } from '../../test/kit/wait-for.ts'
import { chooseBus, openChosenBus } from './bus-choice.ts'
import type { EventsRetentionRule } from './nats-stream-limits.ts'

let nats: NatsServerHandle
const temp = makeTempDir('localhub-nats-limits-')
before(async () => {
  nats = await startNatsServer({ name: 'stream-limits' })
})
after(async () => {
  await nats?.dispose()
  temp.remove()
})

async function streamOf(hubId: string) {
  const connection = await connect({ servers: nats.url })
  try {
    return await (await jetstreamManager(connection)).streams.info(`LH_${hubId}`)
  } finally {
    await connection.close()
  }
}

function openWith(hubId: string, eventsRetention: EventsRetentionRule) {
  const choice = chooseBus({
    flags: { bus: nats.url, hubId },
    env: {},
    dataDir: temp.path,
    eventsRetention,
  })
  return openChosenBus(choice, { defaultSource: 'test' })
}

test('maxBytes is the stream max_bytes: the oldest events go once the stream outgrows it', async () => {
  const cap = 64 * 1024
  const bus = await openWith('capped', { maxAgeDays: 30, maxBytes: cap })
  try {
    const info = await streamOf('capped')
    assert.equal(info.config.max_bytes, cap)
    assert.equal(info.config.max_age, 30 * 86_400 * 1e9)
    const text = 'x'.repeat(400)
    for (let round = 0; round < 4; round++)
      await bus.publishManyUntyped(
        Array.from({ length: 100 }, (_, n) => ({
          type: 'ui.feedback',
          payload: { target: `${text}-${round}-${n}`, helpful: true },
        })),
      )
    const after = await streamOf('capped')
    assert.ok(after.state.bytes <= cap, `stream holds ${after.state.bytes} bytes, cap ${cap}`)
    assert.ok(after.state.first_seq > 1, 'the oldest messages were discarded')
    const kept = await collect(bus.replay({ filter: 'ui.feedback' }))
    assert.ok(kept.length > 0 && kept.length < 400, `${kept.length} events kept`)
    // What is kept is the newest: the last published event is there, the first is not.
    const targets = kept.map((event) => (event.payload as { target: string }).target)
    assert.ok(targets.includes(`${text}-3-99`))
    assert.ok(!targets.includes(`${text}-0-0`))
  } finally {
    await bus.close()
  }
})

test('a cap removed from the manifest is removed from the stream (max_bytes -1)', async () => {
  const first = await openWith('uncapped', { maxBytes: 1_000_000 })
  await first.close()
  assert.equal((await streamOf('uncapped')).config.max_bytes, 1_000_000)
  const second = await openWith('uncapped', { maxAgeDays: 7 })
  await second.close()
  const info = await streamOf('uncapped')
  assert.equal(info.config.max_bytes, -1)
  assert.equal(info.config.max_age, 7 * 86_400 * 1e9)
})
