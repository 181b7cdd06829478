import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { JsMsg } from '@nats-io/jetstream'
import { deliveryOf } from './delivery-info.ts'

// The ack subject's two forms (decision 1765); anything else is left to nats.js's own parser.

function delivery(reply: string, info: () => { streamSequence: number; deliveryCount: number }) {
  return {
    reply,
    get info() {
      return info()
    },
  } as unknown as JsMsg
}

const unused = () => {
  throw new Error('nats.js parser used')
}

test('the 9-token ack subject, with and without the runner prefix', () => {
  const message = delivery('$JS.ACK.LH_hub.drain.3.1042.77.1733480000000000000.12', unused)
  assert.deepEqual(deliveryOf(message, '$JS.ACK.LH_hub.drain.'), { seq: 1042, deliveryCount: 3 })
  assert.deepEqual(deliveryOf(message), { seq: 1042, deliveryCount: 3 })
  assert.deepEqual(deliveryOf(message, '$JS.ACK.OTHER.x.'), { seq: 1042, deliveryCount: 3 })
})

test('the 12-token ack subject with a domain and account hash', () => {
  const message = delivery(
    '$JS.ACK.hubdomain.AHASH.LH_hub.drain.1.9007199254740.5.1733480000000000000.0.rnd',
    unused,
  )
  assert.deepEqual(deliveryOf(message, '$JS.ACK.LH_hub.drain.'), { seq: 9007199254740, deliveryCount: 1 })
  const eleven = delivery('$JS.ACK._.AHASH.LH_hub.drain.2.8.5.1733480000000000000.0', unused)
  assert.deepEqual(deliveryOf(eleven), { seq: 8, deliveryCount: 2 })
})

test('a prefix match with the wrong number of tokens is not read from the prefix', () => {
  // A domain named like the stream and a hash like the consumer: the prefix matches, the shape does not.
  const message = delivery('$JS.ACK.LH_hub.drain.LH_hub.drain.4.21.5.1733480000000000000.0.rnd', unused)
  assert.deepEqual(deliveryOf(message, '$JS.ACK.LH_hub.drain.'), { seq: 21, deliveryCount: 4 })
})

test('anything else goes to nats.js', () => {
  const fallback = () => ({ streamSequence: 6, deliveryCount: 2 })
  for (const reply of [
    '',
    'not.an.ack',
    '$JS.ACK.S.C.x.1.2.3.4',
    '$JS.ACK.S.C.1.2',
    '$JS.ACK.S.C.0.5.1.1.1',
  ]) {
    assert.deepEqual(deliveryOf(delivery(reply, fallback)), { seq: 6, deliveryCount: 2 }, reply)
  }
  assert.throws(() => deliveryOf(delivery('junk', unused)), /nats.js parser used/)
})
