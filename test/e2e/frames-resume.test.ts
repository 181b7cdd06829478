// Resume after a dropped connection, over real loopback TCP sockets (the byte stream `localhub attach`
// and NATS-attached hosts will use): the socket is destroyed while frames are in flight; the client
// reconnects and asks to resume; with the frames still in the ring they are replayed unchanged and
// in order, without them the hub answers resume_rejected ring_evicted.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { describe, test } from 'node:test'
import {
  createFrameSession,
  createFrameValidator,
  type Frame,
  type FrameSession,
} from '../../src/frames/index.ts'

const validator = createFrameValidator()

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((done) => setTimeout(done, 5))
  }
}

/** A hub-side session behind a TCP server; each accepted socket is attached to it (the last one wins). */
async function hubServer(ringFrames: number) {
  const hubFrames: Frame[] = []
  const hub = createFrameSession({
    role: 'backend',
    peerRole: 'tui',
    sessionId: 'attach-1',
    resumeToken: 'secret',
    validator,
    options: { resumeRingFrames: ringFrames },
    handlers: { onFrame: (frame) => void hubFrames.push(frame) },
  })
  const sockets: Socket[] = []
  const server: Server = createServer((socket) => {
    sockets.push(socket)
    hub.attach({ input: socket, output: socket })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return { hub, hubFrames, sockets, server, port: (server.address() as AddressInfo).port }
}

function client(frames: Frame[]): FrameSession {
  return createFrameSession({
    role: 'tui',
    peerRole: 'backend',
    sessionId: 'attach-1',
    validator,
    handlers: { onFrame: (frame) => void frames.push(frame) },
  })
}

async function dial(session: FrameSession, port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  await new Promise((done) => socket.once('connect', done))
  session.attach({ input: socket, output: socket })
  return socket
}

const chunk = (index: number) => ({
  kind: 'assistant_chunk' as const,
  message_id: 'm1',
  delta: `part ${index}`,
  done: false,
})

describe('resume over a dropped TCP connection', () => {
  test('with the frames still buffered: replayed unchanged, in order, and both sides go on numbering', async (t) => {
    const { hub, sockets, server, port, hubFrames } = await hubServer(256)
    const frames: Frame[] = []
    const tui = client(frames)
    t.after(() => {
      hub.close()
      tui.close()
      server.close()
    })
    const first = await dial(tui, port)
    await until(() => sockets.length === 1, 'the hub accepted')
    for (let index = 1; index <= 5; index++) hub.send(chunk(index))
    await until(() => frames.length === 5, 'five chunks')
    // The pipe drops: the hub keeps sending into a dead socket, the client sees nothing of it.
    first.destroy()
    sockets[0]!.destroy()
    tui.detach()
    await new Promise((done) => setTimeout(done, 20))
    for (let index = 6; index <= 40; index++) hub.send(chunk(index))
    tui.send({ kind: 'user_input', text: 'typed while the pipe was down' })
    await dial(tui, port)
    await until(() => sockets.length === 2, 'the reconnect')
    tui.requestResume('secret')
    await until(() => frames.filter((frame) => frame.kind === 'assistant_chunk').length === 40, 'the replay')
    const chunks = frames.filter((frame) => frame.kind === 'assistant_chunk')
    assert.deepEqual(
      chunks.map((frame) => frame.frame_seq),
      Array.from({ length: 40 }, (_, index) => index + 1),
    )
    assert.deepEqual(
      chunks.map((frame) => frame.delta),
      Array.from({ length: 40 }, (_, index) => `part ${index + 1}`),
    )
    const response = frames.find((frame) => frame.kind === 'resume_response')!
    assert.deepEqual([response.replay_count, response.server_session_id], [35, 'attach-1'])
    await until(
      () => hubFrames.some((frame) => frame.kind === 'user_input'),
      'the client’s frame replayed to the hub',
    )
    hub.send(chunk(41))
    await until(() => frames.some((frame) => frame.delta === 'part 41'), 'a new frame')
    assert.equal(frames.find((frame) => frame.delta === 'part 41')!.frame_seq, 41)
    assert.equal(
      frames.some((frame) => frame.kind === 'error'),
      false,
      'no gap was reported',
    )
  })

  test('without the frames buffered: resume_rejected ring_evicted, nothing replayed', async (t) => {
    const { hub, sockets, server, port } = await hubServer(8)
    const frames: Frame[] = []
    const tui = client(frames)
    t.after(() => {
      hub.close()
      tui.close()
      server.close()
    })
    const first = await dial(tui, port)
    await until(() => sockets.length === 1, 'the hub accepted')
    hub.send(chunk(1))
    await until(() => frames.length === 1, 'one chunk')
    first.destroy()
    sockets[0]!.destroy()
    tui.detach()
    for (let index = 2; index <= 30; index++) hub.send(chunk(index))
    await dial(tui, port)
    await until(() => sockets.length === 2, 'the reconnect')
    tui.requestResume('secret')
    await until(() => frames.some((frame) => frame.kind === 'resume_rejected'), 'the rejection')
    const rejected = frames.find((frame) => frame.kind === 'resume_rejected')!
    assert.equal(rejected.reason, 'ring_evicted')
    assert.match(String(rejected.detail), /ring of 8/)
    assert.equal(frames.filter((frame) => frame.kind === 'assistant_chunk').length, 1)
  })
})
