import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { AckPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { type NatsServerHandle, startNatsServer } from '../../../test/kit/nats-server.ts'
import { waitFor, waitForAsync } from '../../../test/kit/wait-for.ts'
import { AckWriter } from './ack-writer.ts'

// The ack writer (decision 1783) writes the acks itself through nats.js's protocol handler: the
// server must see them as acks, nats.js's own ack() must not be what sent them (so an upgrade that
// moves what the writer relies on fails here), and a message it acked is answered only once.

let server: NatsServerHandle
let nc: NatsConnection
before(async () => {
  server = await startNatsServer({ name: 'ack-writer' })
  nc = await connect({ servers: server.url, noAsyncTraces: true })
})
after(async () => {
  await nc?.close()
  await server?.dispose()
})

/** A stream of `count` messages and a durable explicit-ack consumer on it. */
async function streamOf(name: string, count: number) {
  const jsm = await jetstreamManager(nc)
  await jsm.streams.add({ name, subjects: [`${name}.>`] })
  const js = jetstream(nc)
  await Promise.all(Array.from({ length: count }, (_, n) => js.publish(`${name}.x`, `m${n}`)))
  await jsm.consumers.add(name, { durable_name: 'reader', ack_policy: AckPolicy.Explicit, ack_wait: 30e9 })
  const state = async () => {
    const info = await jsm.consumers.info(name, 'reader')
    return {
      unacked: info.num_ack_pending,
      ackFloor: info.ack_floor.stream_seq,
      redelivered: info.num_redelivered,
    }
  }
  return { consumer: await jetstream(nc).consumers.get(name, 'reader'), state }
}

/** Records what nats.js's protocol handler is asked to send. */
function spyOnProtocol(t: { after(fn: () => void): void }) {
  const protocol = (nc as unknown as { protocol: Record<string, (...args: unknown[]) => unknown> }).protocol
  const commands: string[] = []
  const publishes: string[] = []
  const { sendCommand, publish } = protocol
  protocol.sendCommand = function (this: unknown, ...args: unknown[]) {
    if (typeof args[0] === 'string') commands.push(args[0])
    return sendCommand!.apply(this, args)
  }
  protocol.publish = function (this: unknown, ...args: unknown[]) {
    publishes.push(String(args[0]))
    return publish!.apply(this, args)
  }
  t.after(() => {
    protocol.sendCommand = sendCommand!
    protocol.publish = publish!
  })
  return { commands, publishes }
}

describe('ack writer', () => {
  test('acks written in one command per microtask run reach the server as acks', async (t) => {
    const count = 300
    const { consumer, state } = await streamOf('WRITTEN', count)
    const spy = spyOnProtocol(t)
    const writer = new AckWriter()
    let seen = 0
    const messages = await consumer.consume({
      max_messages: 100,
      callback: (message) => {
        // Not through nats.js's ack(): it throws here, so only the writer's own lines can ack.
        message.ack = () => {
          throw new Error('nats.js ack() was used')
        }
        writer.ack(message)
        seen++
      },
    })
    t.after(() => messages.stop())
    await waitFor(() => seen === count, 'every message received', 10_000)
    await waitForAsync(async () => (await state()).unacked === 0, 'every ack at the server', 10_000)
    assert.deepEqual(await state(), { unacked: 0, ackFloor: count, redelivered: 0 })
    const ackCommands = spy.commands.filter((command) => command.includes('+ACK'))
    const lines = ackCommands.join('').split('+ACK\r\n').length - 1
    assert.equal(lines, count)
    assert.ok(ackCommands.length <= count / 8, `${count} acks in ${ackCommands.length} commands`)
  })

  test('a message the writer acked is not answered again, and one nats.js answered is not acked again', async (t) => {
    const { consumer, state } = await streamOf('ONCE', 2)
    const spy = spyOnProtocol(t)
    const writer = new AckWriter()
    const received: JsMsg[] = []
    const messages = await consumer.consume({
      max_messages: 10,
      callback: (message) => void received.push(message),
    })
    t.after(() => messages.stop())
    await waitFor(() => received.length === 2, 'both messages')
    const [first, second] = received as [JsMsg, JsMsg]
    const published = spy.publishes.length
    writer.ack(first)
    // nats.js sends nothing for a message it takes as answered.
    first.nak()
    first.term()
    assert.equal(spy.publishes.length, published, 'no nak or term after the writer acked')
    second.ack()
    assert.equal(spy.publishes.length, published + 1, "nats.js's own ack of the second")
    writer.ack(second)
    writer.flush()
    assert.equal(spy.publishes.length, published + 1, 'the second is not acked again')
    const ackLines = spy.commands.join('').split('+ACK\r\n').length - 1
    assert.equal(ackLines, 1, 'the writer wrote one ack line: the first message')
    await waitForAsync(async () => (await state()).unacked === 0, 'both acked')
    assert.deepEqual(await state(), { unacked: 0, ackFloor: 2, redelivered: 0 })
  })

  test('a message without nats.js internals is acked through its own ack()', () => {
    let acked = 0
    const message = { ack: () => void acked++, reply: '$JS.ACK.S.c.1.1.1.1.0' } as unknown as JsMsg
    const writer = new AckWriter()
    writer.ack(message)
    writer.flush()
    assert.equal(acked, 1)
  })
})
