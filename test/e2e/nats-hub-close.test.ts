// A hub on NATS whose nats-server went away first must still close promptly (issue 22, decision
// 1634): nothing can reach the server, so close() gives up on it after a bound instead of waiting
// for drains, consumer stops and reconnect attempts that cannot finish. What the server had
// acknowledged before it went is still there when it comes back.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { openHub } from '../../src/kernel/index.ts'
import { type NatsServerHandle, startNatsServer } from '../kit/nats-server.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

describe('closing a hub whose nats-server vanished', { timeout: 90_000 }, () => {
  const temp = makeTempDir('localhub-nats-close-')
  let nats: NatsServerHandle | undefined
  after(async () => {
    await nats?.dispose()
    temp.remove()
  })

  test('close() finishes within 3 s, and what was acknowledged survives', async () => {
    nats = await startNatsServer({ name: 'nats-close' })
    const hub = await openHub({
      port: 0,
      logger: false,
      env: {},
      dataDir: join(temp.path, 'hub'),
      bus: { bus: nats.url, hubId: 'gone' },
    })
    let closed = false
    after(async () => {
      if (!closed) await hub.close()
    })
    const stored = await hub.bus.publishManyUntyped(
      Array.from({ length: 20 }, (_, n) => ({
        type: 'ui.feedback',
        payload: { target: `t${n}`, helpful: true },
      })),
    )
    assert.ok(stored.every((outcome) => outcome.ok))
    await nats.stop()
    // Published after the server went: never acknowledged, so it may fail, but it must settle.
    const unacknowledged = hub.bus
      .publishManyUntyped([{ type: 'ui.feedback', payload: { target: 'late', helpful: false } }])
      .then(
        (outcomes) => outcomes.every((outcome) => !outcome.ok),
        () => true,
      )
    await new Promise((resolve) => setTimeout(resolve, 200))
    const started = performance.now()
    await hub.close()
    closed = true
    const elapsed = performance.now() - started
    assert.ok(elapsed < 3_000, `close() took ${Math.round(elapsed)} ms`)
    const settled = await Promise.race([
      unacknowledged.then((failed) => (failed ? 'failed' : 'stored')),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 3_000)),
    ])
    assert.equal(settled, 'failed', 'a publish the server never acknowledged fails by the close')

    // Back on the same ports and store: the acknowledged events are in the stream.
    await nats.start()
    const again = await openHub({
      port: 0,
      logger: false,
      env: {},
      dataDir: join(temp.path, 'hub'),
      bus: { bus: nats.url, hubId: 'gone' },
    })
    try {
      const seen: string[] = []
      for await (const event of again.bus.replay({ filter: 'ui.feedback' })) seen.push(event.id)
      const ids = stored.map((outcome) => (outcome.ok ? outcome.data.id : ''))
      for (const id of ids) assert.ok(seen.includes(id), `event ${id} was acknowledged but is gone`)
    } finally {
      await again.close()
    }
  })
})
