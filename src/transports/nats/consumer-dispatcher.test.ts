import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { JsMsg } from '@nats-io/jetstream'
import type { Clock, ConsumerConfig, DeliveryHandler } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { ConsumerDispatcher } from './consumer-dispatcher.ts'

// What decision 1782 relies on, without a server: a handler that returns settles inside dispatch
// (acked at once, no ack-wait timer, never held), one that throws or returns a promise is held as
// before, and a long queue of one session is dispatched by a loop, in order, not by recursion.

interface FakeMessage {
  seq: number
  answers: string[]
}

function fakeMessage(seq: number): JsMsg & FakeMessage {
  const answers: string[] = []
  return {
    seq,
    answers,
    info: { deliveryCount: 1, streamSequence: seq },
    ack: () => void answers.push('ack'),
    nak: () => void answers.push('nak'),
    term: () => void answers.push('term'),
    working: () => void answers.push('working'),
  } as unknown as JsMsg & FakeMessage
}

function fakeClock() {
  const timers: { callback: () => void; delayMs: number; cleared: boolean }[] = []
  const clock: Clock = {
    now: () => 1_000,
    setTimeout: (callback, delayMs) => {
      const timer = { callback, delayMs, cleared: false }
      timers.push(timer)
      return timer
    },
    clearTimeout: (handle) => {
      if (handle !== undefined) (handle as { cleared: boolean }).cleared = true
    },
  }
  return { clock, timers }
}

function dispatcherWith(ordered = false) {
  const { clock, timers } = fakeClock()
  const config: ConsumerConfig = {
    name: 'unit',
    durable: true,
    filter: 'note.added',
    deliverFrom: 'first',
    ackWaitMs: 30_000,
    maxDeliver: 5,
    backoffMs: [100],
    maxAckPending: 1_000_000,
    isSessionOrdered: () => ordered,
    onDeadLetter: () => {},
  }
  const errors: unknown[] = []
  const dispatcher = new ConsumerDispatcher({
    name: 'unit',
    config,
    clock,
    deadLetterPorts: {} as never,
    onError: (error) => void errors.push(error),
    stopped: () => false,
  })
  return { dispatcher, timers, errors }
}

function envelope(seq: number, sessionId?: string): Envelope {
  return {
    id: `id-${seq}`,
    type: 'note.added',
    version: 1,
    ts: '2026-12-06T00:00:00.000Z',
    source: 'test',
    severity: 'info',
    traceId: `id-${seq}`,
    tenant: 'default',
    ...(sessionId === undefined ? {} : { sessionId }),
    seq,
    payload: { n: seq },
  } as Envelope
}

test('a handler that returns is acked inside dispatch, with no ack-wait timer, and is never held', () => {
  const { dispatcher, timers } = dispatcherWith()
  dispatcher.addMember(() => undefined)
  const message = fakeMessage(1)
  dispatcher.admit(message, 1, 1, envelope(1), false)
  // Synchronously: no microtask has run yet.
  assert.deepEqual(message.answers, ['ack'])
  assert.equal(timers.length, 0)
  assert.equal(dispatcher.held.size, 0)
})

test('a handler that throws is held for its backoff, then nak-ed; a promise keeps its ack wait', async () => {
  const { dispatcher, timers } = dispatcherWith()
  let calls = 0
  let release: () => void = () => {}
  const handler: DeliveryHandler = () => {
    calls++
    if (calls === 1) throw new Error('first fails')
    return new Promise<void>((resolve) => {
      release = resolve
    })
  }
  dispatcher.addMember(handler)
  const failing = fakeMessage(1)
  dispatcher.admit(failing, 1, 1, envelope(1), false)
  assert.ok(dispatcher.held.event(1) !== undefined, 'held while in backoff')
  assert.deepEqual(failing.answers, [])
  const backoff = timers.find((timer) => timer.delayMs === 100)
  assert.ok(backoff !== undefined)
  backoff.callback()
  assert.deepEqual(failing.answers, ['nak'])

  const slow = fakeMessage(2)
  dispatcher.admit(slow, 2, 1, envelope(2), false)
  assert.ok(dispatcher.held.event(2) !== undefined, 'held while its promise runs')
  assert.ok(
    timers.some((timer) => timer.delayMs === 30_000),
    'its ack wait is armed',
  )
  release()
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(slow.answers, ['ack'])
  assert.equal(dispatcher.held.event(2), undefined)
})

test('20,000 waiting events of one session are dispatched in order by a loop when a member joins', () => {
  const { dispatcher } = dispatcherWith(true)
  const count = 20_000
  const messages = Array.from({ length: count }, (_, index) => fakeMessage(index + 1))
  for (const message of messages)
    dispatcher.admit(message, message.seq, 1, envelope(message.seq, 'one-session'), false)
  assert.equal(dispatcher.held.size, count)
  const seen: number[] = []
  // Synchronous handlers: without the loop, each completion dispatched the next from inside itself.
  dispatcher.addMember((event) => void seen.push(event.seq as number))
  assert.equal(seen.length, count)
  assert.ok(
    seen.every((seq, index) => seq === index + 1),
    'in session order',
  )
  assert.ok(messages.every((message) => message.answers.join() === 'ack'))
  assert.equal(dispatcher.held.size, 0)
})
