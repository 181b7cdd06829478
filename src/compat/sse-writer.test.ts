import assert from 'node:assert/strict'
import { test } from 'node:test'
import { streamBody } from './sse-writer.ts'

test('a quiet stream sends its heartbeat; a failing source ends with the error line', async () => {
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  async function* lines() {
    yield 'first\n'
    await gate
    throw new Error('boom')
  }
  const body = streamBody(lines(), {
    heartbeat: ': ping\n\n',
    heartbeatMs: 5,
    onError: (error) => `error ${(error as Error).message}\n`,
  })
  // The heartbeat timer is unref'd (it must not hold a closing server open); this one keeps the test alive.
  const alive = setTimeout(() => undefined, 10_000)
  let text = ''
  body.setEncoding('utf8')
  body.on('data', (chunk: string) => {
    text += chunk
    if (text.includes(': ping')) release()
  })
  await new Promise((resolve) => body.on('end', resolve))
  clearTimeout(alive)
  assert.match(text, /^first\n(: ping\n\n)+error boom\n$/)
})

test('a destroyed body stops pulling lines, so the source is closed', { timeout: 5_000 }, async () => {
  let markClosed: () => void = () => {}
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve
  })
  let pulled = 0
  async function* lines() {
    try {
      for (;;) {
        pulled++
        yield 'x'.repeat(1024)
        await new Promise((resolve) => setImmediate(resolve))
      }
    } finally {
      markClosed()
    }
  }
  const body = streamBody(lines(), { onError: () => undefined })
  body.once('data', () => body.destroy())
  await closed
  assert.ok(pulled < 100, `pulled ${pulled} lines`)
})
