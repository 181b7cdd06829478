// The HTTP answer watch (decision 1723): a body that breaks while it is read closes the connection;
// a body its reader cancelled (the SDK does so for a 202 answer) is not broken.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setImmediate as tick } from 'node:timers/promises'
import { watchBody } from './mcp-connection.ts'

/** A body that yields nothing until told: `fail` errors it, cancelling it ends the wait. */
function pendingBody() {
  let fail: (error: Error) => void = () => undefined
  const body = new ReadableStream<Uint8Array>({
    pull: () =>
      new Promise<void>((_, reject) => {
        fail = reject
      }),
  })
  return { body, fail: (error: Error) => fail(error) }
}

test('a body cancelled by its reader is not a broken connection', async () => {
  let broken = 0
  const { body } = pendingBody()
  const watched = watchBody(new Response(body), () => broken++)
  await tick()
  await watched.body!.cancel()
  for (let index = 0; index < 5; index++) await tick()
  assert.equal(broken, 0)
})

test('a body that fails while read is a broken connection, and the reader sees the error', async () => {
  let broken = 0
  const { body, fail } = pendingBody()
  const watched = watchBody(new Response(body), () => broken++)
  const reading = watched.body!.getReader().read()
  await tick()
  fail(new TypeError('terminated'))
  await assert.rejects(reading, /terminated/)
  assert.equal(broken, 1)
})

test('a body read to its end is passed on whole', async () => {
  let broken = 0
  const watched = watchBody(new Response('event: message\ndata: {}\n\n'), () => broken++)
  assert.equal(await watched.text(), 'event: message\ndata: {}\n\n')
  assert.equal(broken, 0)
})
