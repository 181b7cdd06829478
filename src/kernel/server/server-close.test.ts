import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { describe, test } from 'node:test'
import { readSse, startTestServer } from '../../../test/kit/http-client.ts'
import type { ChatPart } from './server-types.ts'

function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

const closedOf = (socket: Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()))

describe('close() and connections that never finish a request (issue 22)', () => {
  test('half a request line, half the headers and an idle keep-alive do not hold close()', async (t) => {
    // A grace and a headers timeout far above the bound asserted: only cutting at once passes.
    const server = await startTestServer(t, {
      server: { shutdownGraceMs: 30_000, headersTimeoutMs: 20_000, requestTimeoutMs: 30_000 },
    })
    const port = new URL(server.url).port
    const halfLine = await rawConnection(Number(port))
    halfLine.write('GET /heal')
    const halfHeaders = await rawConnection(Number(port))
    halfHeaders.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `)
    const keptAlive = await rawConnection(Number(port))
    keptAlive.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    await new Promise((resolve) => keptAlive.once('data', resolve))
    t.after(() => {
      for (const socket of [halfLine, halfHeaders, keptAlive]) socket.destroy()
    })
    const sockets = [halfLine, halfHeaders, keptAlive].map(closedOf)
    // Let the server see the partial bytes before it closes.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = performance.now()
    await server.server.close()
    const elapsed = performance.now() - started
    assert.ok(elapsed < 1000, `close() took ${Math.round(elapsed)} ms`)
    await Promise.all(sockets)
  })

  test('an SSE answer in flight still gets its end within the grace, then close() returns', async (t) => {
    const server = await startTestServer(t, { server: { shutdownGraceMs: 2_000 } })
    let aborted = false
    server.hub.chatScript = async function* (input: { signal: AbortSignal }): AsyncGenerator<ChatPart> {
      yield { event: 'stream.start', data: { streamId: 's' } }
      await new Promise<void>((resolve) =>
        input.signal.addEventListener('abort', () => {
          aborted = true
          resolve()
        }),
      )
    }
    const response = await server.stream('/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"x"}',
    })
    const events = readSse(response.body)
    assert.equal((await events.next()).value?.event, 'stream.start')
    const halfLine = await rawConnection(Number(new URL(server.url).port))
    t.after(() => halfLine.destroy())
    halfLine.write('POST /ch')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = performance.now()
    const closing = server.server.close()
    const rest: string[] = []
    for await (const part of events) rest.push(part.event)
    await closing
    const elapsed = performance.now() - started
    assert.ok(aborted, 'the turn was told the server is closing')
    assert.ok(rest.includes('error'), `the SSE answer ended with an error event: ${rest.join(',')}`)
    assert.ok(elapsed < 1000, `close() took ${Math.round(elapsed)} ms`)
  })
})
