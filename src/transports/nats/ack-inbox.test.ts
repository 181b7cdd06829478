// The ack inbox against a real nats-server: what the log writer relies on when it publishes a batch
// through it (decision 1733) — every publish gets its own ack, in stream order, duplicates are
// reported as JetStream reports them, and failures reject so the writer can retry.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, headers, type NatsConnection } from '@nats-io/transport-node'
import { type NatsServerHandle, startNatsServer } from '../../../test/kit/nats-server.ts'
import { AckInbox, PublishRefused } from './ack-inbox.ts'

let server: NatsServerHandle
let nc: NatsConnection
before(async () => {
  server = await startNatsServer({ name: 'ack-inbox' })
  nc = await connect({ servers: server.url })
  const jsm = await jetstreamManager(nc)
  await jsm.streams.add({ name: 'ACKS', subjects: ['acks.>'] })
})
after(async () => {
  await nc?.close()
  await server?.dispose()
})

function withId(id: string) {
  const set = headers()
  set.set('Nats-Msg-Id', id)
  return set
}

describe('ack inbox', () => {
  test('a batch published at once gets one ack each, with the seqs in publish order', async () => {
    const inbox = new AckInbox(nc, 5000)
    const acks = await Promise.all(
      Array.from({ length: 500 }, (_, index) =>
        inbox.publish('acks.batch', new TextEncoder().encode(`{"n":${index}}`), withId(`batch-${index}`)),
      ),
    )
    const seqs = acks.map((ack) => ack.seq)
    assert.equal(new Set(seqs).size, 500)
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      seqs,
    )
    assert.ok(acks.every((ack) => ack.stream === 'ACKS' && ack.duplicate === false))
    inbox.close()
  })

  test('a message id seen within the window is acknowledged as a duplicate of the first seq', async () => {
    const inbox = new AckInbox(nc, 5000)
    const first = await inbox.publish('acks.dup', new Uint8Array([1]), withId('same-id'))
    const again = await inbox.publish('acks.dup', new Uint8Array([1]), withId('same-id'))
    assert.equal(again.duplicate, true)
    assert.equal(again.seq, first.seq)
    inbox.close()
  })

  test('a subject no stream holds rejects with no responders (503), which the writer retries', async () => {
    const inbox = new AckInbox(nc, 5000)
    await assert.rejects(
      inbox.publish('nostream.here', new Uint8Array([1]), withId('lost')),
      (error: unknown) => error instanceof PublishRefused && error.code === 503,
    )
    inbox.close()
  })

  test('an ack that does not come in time rejects with 408; close() rejects what is still waiting', async () => {
    // A plain subscriber that never answers stands in for a server that does not ack.
    const silent = nc.subscribe('silent.>')
    const inbox = new AckInbox(nc, 150)
    await assert.rejects(
      inbox.publish('silent.one', new Uint8Array([1]), withId('slow')),
      (error: unknown) => error instanceof PublishRefused && error.code === 408,
    )
    const waiting = inbox.publish('silent.two', new Uint8Array([1]), withId('closing'))
    inbox.close()
    await assert.rejects(waiting, /closed before the ack/)
    silent.unsubscribe()
  })
})
