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

describe('corking per delivery turn (decision 1773)', () => {
  test('the frames offered in one turn are written between one cork and one uncork', async () => {
    const socket = new FakeSocket()
    const calls: string[] = []
    const stream = {
      cork: () => void calls.push('cork'),
      uncork: () => void calls.push(`uncork after ${socket.sent.length}`),
    }
    const client = new WsTailClient(
      socket,
      { queueLimitBytes: 1_000_000, drainWaitMs: 60_000, closeGraceMs: 60_000 },
      {
        serialise: (value) => JSON.stringify(value),
        onSent: () => {},
        onDropped: () => {},
        onClosedSlow: () => {},
        stream,
      },
    )
    for (let seq = 1; seq <= 20; seq++) client.offer(event(seq))
    assert.deepEqual(calls, ['cork'], 'still corked while the turn sends')
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(calls, ['cork', 'uncork after 20'])
    client.offer(event(21))
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(
      calls,
      ['cork', 'uncork after 20', 'cork', 'uncork after 21'],
      'a later turn corks again',
    )
  })

  test("a turn's burst is uncorked once it passes the flush size, so a reading client is not closed as slow", async () => {
    const socket = new FakeSocket()
    let uncorks = 0
    // A reading peer: the kernel takes whatever is uncorked.
    const stream = {
      cork: () => {},
      uncork: () => {
        uncorks++
        socket.flushAll()
      },
    }
    const client = new WsTailClient(
      socket,
      { queueLimitBytes: 64 * 1024, drainWaitMs: 60_000, closeGraceMs: 60_000 },
      {
        serialise: (value) => JSON.stringify(value),
        onSent: () => {},
        onDropped: () => {},
        onClosedSlow: () => {},
        stream,
      },
    )
    for (let seq = 1; seq <= 8; seq++) client.offer(event(seq, 32 * 1024))
    assert.equal(socket.closedWith, undefined, 'not closed as slow')
    assert.equal(socket.sent.length, 8)
    assert.ok(uncorks >= 7, `uncorked as the burst grew (${uncorks})`)
    await new Promise((resolve) => setImmediate(resolve))
  })

  test('the route finds the TCP socket under a real ws WebSocket', async (t) => {
    const { WebSocketServer, WebSocket } = await import('ws')
    const { streamOf } = await import('./ws-events-route.ts')
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    t.after(() => server.close())
    await new Promise((resolve) => server.once('listening', resolve))
    const accepted = new Promise<import('ws').WebSocket>((resolve) => server.once('connection', resolve))
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`)
    t.after(() => client.terminate())
    client.on('error', () => {})
    const socket = await accepted
    await new Promise((resolve) => client.once('open', resolve))
    const { stream } = streamOf(socket)
    assert.ok(stream !== undefined, 'ws still keeps its net.Socket as _socket')
    stream.cork()
    assert.equal((stream as unknown as { writableCorked: number }).writableCorked, 1)
    stream.uncork()
  })
})

test("the tail's serialiser sends the stored text the bus kept, not a new serialisation (decision 1774)", async (t) => {
  const { openBus } = await import('../../bus-factory/index.ts')
  const { testRegistry } = await import('../../../test/kit/test-registry.ts')
  const { makeTempDir } = await import('../../../test/kit/temp-dir.ts')
  const { createSerialiser } = await import('./ws-events-route.ts')
  const dir = makeTempDir('localhub-tail-text-')
  const bus = await openBus({ registry: testRegistry(), transport: 'sqlite', dataDir: dir.path })
  t.after(async () => {
    await bus.close()
    dir.remove()
  })
  const delivered: Envelope[] = []
  await bus.subscribe('note.added', (envelope) => void delivered.push(envelope), { storedJson: true })
  await bus.publishUntyped({ type: 'note.added', payload: { n: 1 } })
  await waitFor(() => delivered.length === 1, 'the delivery')
  const envelope = delivered[0]!
  const stored = JSON.stringify(envelope)
  // Changed after delivery: only a new serialisation would show it.
  ;(envelope as { extra?: string }).extra = 'not stored'
  assert.equal(createSerialiser()(envelope), stored)
  const other = { ...envelope }
  assert.equal(
    createSerialiser()(other),
    JSON.stringify(other),
    'an envelope without stored text is serialised',
  )
})
