import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { collect, openWs, readSse, startTestServer } from '../../../test/kit/http-client.ts'
import type { Envelope } from '../../contracts/index.ts'
import type { ChatPart } from './server-types.ts'
import { WS_CLOSE_GOING_AWAY } from './ws-tail-client.ts'

const JSON_HEADERS = { 'content-type': 'application/json' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** A chat that starts, then hangs until its signal aborts (recording why). */
function hangingChat(record: { reason?: unknown }, ignoreSignal = false) {
  return async function* (input: { signal: AbortSignal }): AsyncGenerator<ChatPart> {
    yield { event: 'stream.start', data: { streamId: 's' } }
    await new Promise<void>((resolve) => {
      input.signal.addEventListener('abort', () => {
        record.reason = input.signal.reason
        if (!ignoreSignal) resolve()
      })
    })
  }
}

/** Opens a raw TCP connection that says `head` and then goes quiet or dribbles `dribble` bytes. */
function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

describe('client disconnect and shutdown', () => {
  test('a client that goes away during /chat aborts the hub turn', async (t) => {
    const server = await startTestServer(t)
    const record: { reason?: unknown } = {}
    server.hub.chatScript = hangingChat(record)
    const controller = new AbortController()
    const response = await server.stream('/chat', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"text":"x"}',
      signal: controller.signal,
    })
    const events = readSse(response.body)
    assert.equal((await events.next()).value?.event, 'stream.start')
    controller.abort()
    await waitFor(() => server.hub.chatInputs[0]!.signal.aborted, 2_000, 'the turn to be aborted')
    assert.equal((record.reason as { code?: string }).code, 'E_BAD_REQUEST')
    await waitFor(() => server.server.stats().chatsInFlight === 0, 2_000, 'the chat to settle')
  })

  test('close() ends chats with an error event, closes WS clients with 1001, removes server.json', async (t) => {
    const server = await startTestServer(t, { server: { shutdownGraceMs: 1_000 } })
    const record: { reason?: unknown } = {}
    server.hub.chatScript = hangingChat(record, true) // even a turn that ignores its signal cannot hold shutdown
    const response = await server.stream('/chat', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"text":"x"}',
    })
    const events = collect(readSse(response.body))
    const ws = await openWs(`${server.url}/ws/events`, { token: server.token })
    await waitFor(
      () => server.server.stats().chatsInFlight === 1 && server.server.stats().wsClients === 1,
      2_000,
      'clients',
    )
    const started = Date.now()
    await server.server.close()
    assert.ok(Date.now() - started < 3_000)
    const parts = await events
    assert.deepEqual(
      parts.map((part) => part.event),
      ['stream.start', 'error'],
    )
    const failure = parts[1]!.data as { ok: boolean; error: { code: string; details: { reason: string } } }
    assert.deepEqual(
      [failure.ok, failure.error.code, failure.error.details.reason],
      [false, 'E_UNKNOWN', 'shutdown'],
    )
    assert.equal((await ws.closed).code, WS_CLOSE_GOING_AWAY)
    assert.equal(existsSync(join(server.dataDir, 'server.json')), false)
    await assert.rejects(server.call('/health'), /ECONNREFUSED/)
  })
})

describe('slow requests', () => {
  test('a slowloris body and slow headers are cut off in bounded time', async (t) => {
    const server = await startTestServer(t, {
      server: { requestTimeoutMs: 400, headersTimeoutMs: 300, connectionsCheckIntervalMs: 50 },
    })
    const port = server.server.port
    const slowBody = await rawConnection(port)
    const slowHeaders = await rawConnection(port)
    const started = Date.now()
    const ended = (socket: Socket) =>
      new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)))
    const bodyEnded = ended(slowBody)
    const headersEnded = ended(slowHeaders)
    slowBody.write(
      `POST /chat HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
    )
    slowHeaders.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`)
    const dribble = setInterval(() => {
      if (!slowBody.destroyed) slowBody.write(' ')
      if (!slowHeaders.destroyed) slowHeaders.write('X-A: b\r\n')
    }, 50)
    t.after(() => clearInterval(dribble))
    const [bodyMs, headersMs] = await Promise.all([bodyEnded, headersEnded])
    clearInterval(dribble)
    assert.ok(bodyMs < 2_000, `slow body cut after ${bodyMs} ms`)
    assert.ok(headersMs < 2_000, `slow headers cut after ${headersMs} ms`)
    assert.equal(server.hub.chatInputs.length, 0)
    assert.equal((await server.call('/health')).status, 200)
  })
})

describe('WS /ws/events', () => {
  test('resume from a seq delivers replay then live with no gap and no duplicates, while publishing', async (t) => {
    const server = await startTestServer(t)
    for (let index = 0; index < 50; index++) server.hub.publish({ type: 'chat.query' })
    const first = await openWs(`${server.url}/ws/events?from=10`, { token: server.token })
    // Publish while the replay is still running, with ephemeral events mixed in.
    for (let index = 0; index < 100; index++) {
      server.hub.publish({ type: 'chat.query' })
      if (index % 10 === 0) server.hub.publish({ type: 'stream.chunk', ephemeral: true })
      if (index % 7 === 0) await sleep(0)
    }
    const stored = () =>
      (first.messages as Envelope[]).filter((event) => event.seq !== undefined).map((event) => event.seq!)
    await waitFor(() => stored().length >= 141, 5_000, 'replay + live')
    assert.deepEqual(
      stored(),
      Array.from({ length: 141 }, (_, index) => index + 10),
    )
    first.socket.close()
    await first.closed
    for (let index = 0; index < 5; index++) server.hub.publish({ type: 'chat.query' })
    const resumed = await openWs(`${server.url}/ws/events?from=${stored().at(-1)! + 1}`, {
      token: server.token,
    })
    const more = (await resumed.waitForMessages(5)) as Envelope[]
    assert.deepEqual(
      more.map((event) => event.seq),
      [151, 152, 153, 154, 155],
    )
    resumed.socket.close()
  })

  test('filter narrows by type and ephemeral events arrive live', async (t) => {
    const server = await startTestServer(t)
    const client = await openWs(`${server.url}/ws/events?filter=chat.*`, { token: server.token })
    await waitFor(() => server.hub.tailCount() === 1, 2_000, 'the tail')
    server.hub.publish({ type: 'tool.request' })
    server.hub.publish({ type: 'chat.query' })
    server.hub.publish({ type: 'chat.token', ephemeral: true })
    const messages = (await client.waitForMessages(2)) as Envelope[]
    assert.deepEqual(
      messages.map((event) => [event.type, event.seq]),
      [
        ['chat.query', 2],
        ['chat.token', undefined],
      ],
    )
    client.socket.close()
    await waitFor(() => server.hub.tailCount() === 0, 2_000, 'the tail to close with the socket')
  })

  test('many clients that never read are closed per policy; memory stays bounded; /health stays responsive', async (t) => {
    // 150 rather than 500: each unread socket soaks up ~4 MB of kernel buffers before the server
    // buffers anything, and this machine is shared.
    const clients = 150
    const queueLimitBytes = 64 * 1024
    const server = await startTestServer(t, {
      server: { wsQueueLimitBytes: queueLimitBytes, wsCloseGraceMs: 300, wsDrainWaitMs: 1_000 },
    })
    const port = server.server.port
    const sockets = await Promise.all(
      Array.from({ length: clients }, async () => {
        const socket = await rawConnection(port)
        t.after(() => socket.destroy())
        socket.write(
          `GET /ws/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
            `Authorization: Bearer ${server.token}\r\n\r\n`,
        )
        await new Promise<void>((resolve, reject) =>
          socket.once('data', (data) =>
            data.toString().startsWith('HTTP/1.1 101') ? resolve() : reject(new Error(data.toString())),
          ),
        )
        socket.pause() // and never read again
        return socket
      }),
    )
    assert.equal(sockets.length, clients)
    await waitFor(() => server.hub.tailCount() === clients, 5_000, 'all tails')
    const payload = { pad: 'x'.repeat(32 * 1024) }
    const eventBytes = JSON.stringify(payload).length + 400
    let peakBuffered = 0
    let healthChecks = 0
    const deadline = Date.now() + 40_000
    while (server.server.stats().wsClients > 0) {
      assert.ok(Date.now() < deadline, `still ${server.server.stats().wsClients} clients`)
      for (let index = 0; index < 4; index++) {
        server.hub.publish({ type: 'bench.event', payload })
        server.hub.publish({ type: 'bench.tick', payload: {}, ephemeral: true })
      }
      peakBuffered = Math.max(peakBuffered, server.server.stats().wsBufferedBytes)
      await sleep(1)
      if (server.hub.log.length % 200 === 0) {
        const before = Date.now()
        assert.equal((await server.call('/health', { token: null })).status, 200)
        assert.ok(Date.now() - before < 2_000, '/health answered promptly under load')
        healthChecks++
      }
    }
    assert.ok(healthChecks > 0)
    assert.ok(peakBuffered <= clients * (queueLimitBytes + eventBytes), `peak ${peakBuffered} bytes buffered`)
    const metrics = (await server.call('/metrics')).text
    assert.match(metrics, new RegExp(`localhub_ws_closed_slow_total ${clients}\\b`))
    assert.match(metrics, /localhub_ws_clients 0/)
    assert.equal(server.hub.tailCount(), 0, 'every tail subscription was closed')
  })
})
