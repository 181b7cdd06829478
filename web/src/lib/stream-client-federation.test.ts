import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Envelope } from '../../../src/contracts/index.ts'
import { EventStreamClient, type SocketLike, type Timers } from './stream-client.ts'

// The federation stream (decision 1642): seqs of different hubs interleave, so nothing is dropped
// as "already seen" by seq; a reconnect asks for scope=federation again (never from=) and the
// backlog it resends is dropped by event id.

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  constructor(readonly url: string) {}
  close() {}
  send(event: unknown) {
    this.onmessage?.({ data: JSON.stringify(event) })
  }
}

test('a federation stream keeps interleaved seqs, reconnects without from, and drops resent ids', () => {
  const sockets: FakeSocket[] = []
  const received: Envelope[] = []
  const pending: Array<() => void> = []
  const timers: Timers = { set: (callback) => pending.push(callback), clear: () => undefined }
  const client = new EventStreamClient({
    url: 'ws://hub.test/ws/events',
    scope: 'federation',
    filter: 'turn.*',
    createSocket: (url) => {
      const socket = new FakeSocket(url)
      sockets.push(socket)
      return socket
    },
    onEvent: (event) => received.push(event),
    timers,
  })
  client.start()
  const first = new URL(sockets[0]!.url)
  assert.deepEqual(Object.fromEntries(first.searchParams), { scope: 'federation', filter: 'turn.*' })
  const desk = { id: 'd-9', type: 'turn.end', seq: 9, hubId: 'desk' }
  const laptop = { id: 'l-3', type: 'turn.end', seq: 3, hubId: 'laptop' }
  sockets[0]!.send(desk)
  sockets[0]!.send(laptop)
  assert.deepEqual(
    received.map((event) => event.id),
    ['d-9', 'l-3'],
    'a lower seq of another hub is kept',
  )
  sockets[0]!.onclose?.({ code: 1006, reason: '' })
  pending.shift()!()
  assert.equal(new URL(sockets[1]!.url).searchParams.has('from'), false)
  sockets[1]!.send(desk)
  sockets[1]!.send(laptop)
  sockets[1]!.send({ id: 'l-4', type: 'turn.end', seq: 4, hubId: 'laptop' })
  assert.deepEqual(
    received.map((event) => event.id),
    ['d-9', 'l-3', 'l-4'],
  )
  assert.equal(client.status.duplicates, 2)
})
