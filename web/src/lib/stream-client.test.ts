import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { EventStreamClient, type SocketLike, type StreamStatus, type Timers } from './stream-client.ts'

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  closed: { code?: number; reason?: string } | undefined
  constructor(readonly url: string) {}
  close(code?: number, reason?: string) {
    this.closed = { code, reason }
  }
  open() {
    this.onopen?.({})
  }
  send(event: unknown) {
    this.onmessage?.({ data: typeof event === 'string' ? event : JSON.stringify(event) })
  }
  drop(code = 1006, reason = '') {
    this.onclose?.({ code, reason })
  }
}

function manualTimers() {
  const pending: Array<{ callback: () => void; ms: number }> = []
  const timers: Timers = {
    set: (callback, ms) => {
      const entry = { callback, ms }
      pending.push(entry)
      return entry
    },
    clear: (handle) => {
      const index = pending.indexOf(handle as (typeof pending)[number])
      if (index >= 0) pending.splice(index, 1)
    },
  }
  return {
    timers,
    pending,
    fire: () => {
      for (const entry of pending.splice(0)) entry.callback()
    },
  }
}

function setup(options: { fromSeq?: number; filter?: string } = {}) {
  const sockets: FakeSocket[] = []
  const received: Array<{ type: string; seq?: number }> = []
  const statuses: StreamStatus[] = []
  const clock = manualTimers()
  const client = new EventStreamClient({
    url: 'ws://127.0.0.1:9/ws/events',
    createSocket: (url) => {
      const socket = new FakeSocket(url)
      sockets.push(socket)
      return socket
    },
    onEvent: (event) =>
      received.push({ type: event.type, ...(event.seq === undefined ? {} : { seq: event.seq }) }),
    onStatus: (status) => statuses.push(status),
    reconnectDelaysMs: [100, 200, 400],
    timers: clock.timers,
    ...options,
  })
  return { client, sockets, received, statuses, clock, last: () => sockets.at(-1)! }
}

const stored = (seq: number, type = 'chat.query') => ({
  id: `e${seq}`,
  type,
  seq,
  ts: '2026-01-01T00:00:00Z',
})

describe('EventStreamClient', () => {
  test('the first connect is live-only unless a start seq is given', () => {
    const live = setup()
    live.client.start()
    assert.equal(new URL(live.last().url).searchParams.get('from'), null)
    const backlog = setup({ fromSeq: 42, filter: 'chat.>' })
    backlog.client.start()
    const url = new URL(backlog.last().url)
    assert.equal(url.searchParams.get('from'), '42')
    assert.equal(url.searchParams.get('filter'), 'chat.>')
  })

  test('after a dropped connection it reconnects from the last stored seq + 1, with backoff', () => {
    const { client, last, sockets, received, clock } = setup()
    client.start()
    last().open()
    last().send(stored(7))
    last().send({ id: 'x', type: 'stream.chunk', ts: 't' }) // ephemeral: no seq
    last().send(stored(8))
    last().drop()
    assert.equal(client.status.state, 'reconnecting')
    assert.deepEqual(
      clock.pending.map((entry) => entry.ms),
      [100],
    )
    clock.fire()
    assert.equal(sockets.length, 2)
    assert.equal(new URL(last().url).searchParams.get('from'), '9')
    last().drop() // fails again before opening: the delay grows
    assert.deepEqual(
      clock.pending.map((entry) => entry.ms),
      [200],
    )
    clock.fire()
    last().open()
    assert.equal(client.status.attempt, 0, 'a successful open resets the backoff')
    assert.deepEqual(
      received.map((event) => event.seq ?? 'eph'),
      [7, 'eph', 8],
    )
  })

  test('stored events seen twice (overlap after a resume) are delivered once', () => {
    const { client, last, received, clock } = setup()
    client.start()
    last().open()
    for (const seq of [1, 2, 3]) last().send(stored(seq))
    last().drop()
    clock.fire()
    last().open()
    for (const seq of [2, 3, 4]) last().send(stored(seq))
    assert.deepEqual(
      received.map((event) => event.seq),
      [1, 2, 3, 4],
    )
    assert.equal(client.status.duplicates, 2)
  })

  test('pause closes the socket and resume asks for exactly what was missed', () => {
    const { client, last, sockets, clock } = setup()
    client.start()
    last().open()
    last().send(stored(10))
    client.pause()
    assert.equal(client.status.state, 'paused')
    assert.ok(sockets[0]!.closed, 'the socket was closed')
    assert.equal(clock.pending.length, 0, 'no reconnect while paused')
    sockets[0]!.drop() // a late close event from the paused socket changes nothing
    assert.equal(sockets.length, 1)
    client.resume()
    assert.equal(new URL(last().url).searchParams.get('from'), '11')
  })

  test('a slow-consumer close (4008) resumes where the server says, at once', () => {
    const { client, last, clock } = setup()
    client.start()
    last().open()
    last().send(stored(20))
    last().drop(4008, 'slow consumer: reconnect with from=15')
    assert.deepEqual(
      clock.pending.map((entry) => entry.ms),
      [0],
    )
    clock.fire()
    assert.equal(new URL(last().url).searchParams.get('from'), '15')
    last().open()
    last().send(stored(15))
    last().drop()
    clock.fire()
    assert.equal(new URL(last().url).searchParams.get('from'), '21', 'once reached, the hint is forgotten')
  })

  test('garbage messages are counted and skipped, never delivered or thrown', () => {
    const { client, last, received } = setup()
    client.start()
    last().open()
    for (const data of [
      'not json',
      '[]',
      'null',
      '{"type":""}',
      '{"type":"a","seq":"1"}',
      '{"__proto__":{"x":1}}',
      `{"type":"${'a'.repeat(1e5)}"}`,
    ]) {
      last().onmessage?.({ data })
    }
    last().onmessage?.({ data: new Uint8Array([1, 2, 3]) })
    assert.equal(client.status.malformed, 7)
    assert.equal(received.length, 1, 'only the long but valid type passed')
  })

  test('a socket factory that throws is retried like a failed connect; stop ends everything', () => {
    let calls = 0
    const clock = manualTimers()
    const client = new EventStreamClient({
      url: 'ws://127.0.0.1:9/ws/events',
      createSocket: () => {
        calls++
        throw new Error('blocked')
      },
      onEvent: () => {},
      timers: clock.timers,
    })
    client.start()
    assert.equal(client.status.state, 'reconnecting')
    assert.equal(client.status.lastClose?.reason, 'blocked')
    clock.fire()
    assert.equal(calls, 2)
    client.stop()
    assert.equal(clock.pending.length, 0)
    assert.equal(client.status.state, 'stopped')
  })

  test('refuses a URL that is not ws:// or wss://', () => {
    assert.throws(
      () =>
        new EventStreamClient({
          url: 'http://x/ws',
          createSocket: () => new FakeSocket(''),
          onEvent: () => {},
        }),
      TypeError,
    )
  })
})
