import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { waitFor } from '../../../test/kit/wait-for.ts'
import type { Envelope } from '../../contracts/index.ts'
import { type TailSocket, WS_CLOSE_SLOW_CONSUMER, WsTailClient } from './ws-tail-client.ts'

class FakeSocket implements TailSocket {
  bufferedAmount = 0
  sent: string[] = []
  callbacks: Array<() => void> = []
  closedWith: { code: number; reason: string } | undefined
  terminated = false
  send(data: string, callback: () => void) {
    this.sent.push(data)
    this.bufferedAmount += data.length
    this.callbacks.push(() => {
      this.bufferedAmount -= data.length
      callback()
    })
  }
  close(code: number, reason: string) {
    this.closedWith = { code, reason }
  }
  terminate() {
    this.terminated = true
  }
  flushAll() {
    for (const flush of this.callbacks.splice(0)) flush()
  }
}

const event = (seq?: number, size = 10): Envelope => ({
  id: `id-${seq ?? 'e'}`,
  type: 'test.event',
  version: 1,
  ts: '2026-01-01T00:00:00Z',
  source: 'test',
  severity: 'info',
  traceId: 't',
  tenant: 'default',
  ...(seq === undefined ? {} : { seq }),
  payload: { pad: 'x'.repeat(size) },
})

function setup(
  limits: Partial<{ queueLimitBytes: number; drainWaitMs: number; closeGraceMs: number }> = {},
  fromSeq?: number,
) {
  const socket = new FakeSocket()
  const counts = { dropped: 0, slow: 0, stored: 0, ephemeral: 0 }
  const client = new WsTailClient(
    socket,
    { queueLimitBytes: 2_000, drainWaitMs: 60_000, closeGraceMs: 60_000, ...limits },
    {
      serialise: (value) => JSON.stringify(value),
      onSent: (kind) => counts[kind]++,
      onDropped: () => counts.dropped++,
      onClosedSlow: () => counts.slow++,
    },
    fromSeq,
  )
  return { socket, client, counts }
}

/** Offers stored events until the client asks the hub to wait. */
function offerUntilPending(client: WsTailClient): Promise<void> {
  for (let seq = 1; seq < 1_000; seq++) {
    const pending = client.offer(event(seq, 300))
    if (pending !== undefined) return pending
  }
  throw new Error('the client never pushed back')
}

describe('WsTailClient', () => {
  test('sends in order and skips stored events it already sent or that precede from', () => {
    const { socket, client } = setup({}, 3)
    for (const seq of [1, 2, 3, 4, 4, 2, 5]) client.offer(event(seq))
    assert.deepEqual(
      socket.sent.map((text) => (JSON.parse(text) as Envelope).seq),
      [3, 4, 5],
    )
    assert.equal(client.lastSeq, 5)
  })

  test('above half the limit ephemeral events are dropped, stored ones still go out', () => {
    const { socket, client, counts } = setup()
    socket.bufferedAmount = 1_200
    client.offer(event(undefined))
    client.offer(event(1))
    assert.equal(counts.dropped, 1)
    assert.equal(counts.stored, 1)
    assert.equal(socket.closedWith, undefined)
  })

  test('a stored event that does not fit closes with 4008 and the seq to resume from', () => {
    const { socket, client, counts } = setup()
    client.offer(event(7))
    socket.bufferedAmount = 5_000
    client.offer(event(9))
    client.offer(event(10))
    assert.deepEqual(socket.closedWith, {
      code: WS_CLOSE_SLOW_CONSUMER,
      reason: 'slow consumer: reconnect with from=8',
    })
    assert.equal(counts.slow, 1)
    assert.equal(socket.sent.length, 1, 'nothing is sent after the decision to close')
  })

  test('a live-only client that never got a stored event resumes from the one it missed', () => {
    const { socket, client } = setup()
    socket.bufferedAmount = 5_000
    client.offer(event(42))
    assert.equal(socket.closedWith?.reason, 'slow consumer: reconnect with from=42')
  })

  test('the promise returned above half the limit resolves once the socket flushed', async () => {
    const { socket, client } = setup()
    const pending = offerUntilPending(client)
    let resolved = false
    void pending.then(() => (resolved = true))
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(resolved, false)
    socket.flushAll()
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(resolved, true)
  })

  test('a client that stays behind past the drain wait is closed as slow, and cut after the grace time', async () => {
    const { socket, client } = setup({ drainWaitMs: 20, closeGraceMs: 20 })
    const pending = offerUntilPending(client)
    // The client's timers are unref'd (they must not keep a server alive): hold the loop open here.
    await Promise.race([pending, new Promise((resolve) => setTimeout(resolve, 500))])
    assert.equal(socket.closedWith?.code, WS_CLOSE_SLOW_CONSUMER)
    assert.match(socket.closedWith?.reason ?? '', /from=\d+$/)
    await waitFor(() => socket.terminated, 'the socket cut after the grace time', 2000)
    client.offer(event(1_000))
    assert.equal(socket.sent.filter((text) => text.includes('"seq":1000')).length, 0)
  })

  test('a socket closed by the peer stops everything', () => {
    const { socket, client } = setup({ closeGraceMs: 10 })
    client.closedBySocket()
    client.offer(event(1))
    assert.equal(socket.sent.length, 0)
    assert.equal(client.closed, true)
  })
})
