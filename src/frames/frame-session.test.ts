import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import { sha256Hex } from './canonical-json.ts'
import type { FrameRole } from './frame-kinds.ts'
import { createFrameSession, type FrameSession } from './frame-session.ts'
import type { Frame, FrameIssue } from './frame-types.ts'
import { createFrameValidator } from './frame-validator.ts'

const validator = createFrameValidator()

interface Side {
  session: FrameSession
  frames: Frame[]
  issues: FrameIssue[]
  dead: number
}

function side(
  role: FrameRole,
  peerRole: FrameRole,
  options: Parameters<typeof createFrameSession>[0]['options'] = {},
  onFrame?: (frame: Frame) => void | Promise<void>,
  resumeToken?: string,
): Side {
  const result: Side = { frames: [], issues: [], dead: 0, session: undefined as unknown as FrameSession }
  result.session = createFrameSession({
    role,
    peerRole,
    sessionId: 's-1',
    validator,
    options,
    ...(resumeToken === undefined ? {} : { resumeToken }),
    handlers: {
      onFrame: (frame) => {
        result.frames.push(frame)
        return onFrame?.(frame)
      },
      onIssue: (issue) => result.issues.push(issue),
      onDead: () => {
        result.dead++
      },
    },
  })
  return result
}

function closeAll(...sides: Side[]): void {
  for (const each of sides) each.session.close()
}

/** Two byte pipes joined the way a child's stdio is. */
function connect(a: Side, b: Side): { toB: PassThrough; toA: PassThrough } {
  const toB = new PassThrough()
  const toA = new PassThrough()
  a.session.attach({ input: toA, output: toB })
  b.session.attach({ input: toB, output: toA })
  return { toB, toA }
}

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

function raw(fields: Record<string, unknown>): string {
  return `${JSON.stringify({ session_id: 's-1', correlation_id: 'c', ts: new Date().toISOString(), version: '1.0', ...fields })}\n`
}

describe('frame session', () => {
  test('frames are numbered per direction from 1 and delivered; a gap is reported with expected/got and counting goes on', async (t) => {
    const hub = side('backend', 'tool')
    const host = side('tool', 'backend')
    t.after(() => closeAll(hub, host))
    const { toB } = connect(hub, host)
    hub.session.send({ kind: 'tool_call', call_id: 'a', name: 'echo', arguments: {} })
    hub.session.send({ kind: 'tool_call', call_id: 'b', name: 'echo', arguments: {} })
    await until(() => host.frames.length === 2, 'two calls')
    assert.deepEqual(
      host.frames.map((frame) => frame.frame_seq),
      [1, 2],
    )
    toB.write(
      raw({ role: 'backend', kind: 'tool_call', frame_seq: 7, call_id: 'c', name: 'echo', arguments: {} }),
    )
    await until(() => hub.frames.some((frame) => frame.kind === 'error'), 'the gap error')
    const error = hub.frames.find((frame) => frame.kind === 'error')!
    assert.equal(error.code, 'frame_seq_gap')
    assert.deepEqual(error.details, { path: '/frame_seq', expected: 3, got: 7 })
    assert.equal(host.frames.length, 3, 'the frame after the gap is still handled')
    assert.equal(host.session.stats().receivedSeq, 7)
  })

  test('the role allow-list: a backend frame a tool may not send, and a frame claiming the wrong role', async (t) => {
    const host = side('tool', 'backend')
    const hub = side('backend', 'tool')
    t.after(() => closeAll(hub, host))
    const { toA } = connect(hub, host)
    toA.write(
      raw({ role: 'tool', kind: 'tool_call', frame_seq: 1, call_id: 'x', name: 'echo', arguments: {} }),
    )
    toA.write(raw({ role: 'tui', kind: 'user_input', frame_seq: 2, text: 'hi' }))
    await until(() => hub.issues.length === 2, 'two refusals')
    assert.deepEqual(
      hub.issues.map((issue) => issue.code),
      ['role_not_allowed', 'role_not_allowed'],
    )
    assert.equal(hub.frames.length, 0)
  })

  test('heartbeats: pings are answered with pongs on their own counter; silence past 3 intervals is death', async (t) => {
    const hub = side('backend', 'tool', { heartbeatIntervalMs: 20 })
    t.after(() => hub.session.close())
    const toHub = new PassThrough()
    const fromHub = new PassThrough()
    const written: Frame[] = []
    fromHub.on('data', (chunk: Buffer) => {
      for (const text of chunk.toString().split('\n').filter(Boolean)) written.push(JSON.parse(text))
    })
    hub.session.attach({ input: toHub, output: fromHub })
    hub.session.send({ kind: 'tool_call', call_id: 'a', name: 'echo', arguments: {} })
    toHub.write(raw({ role: 'tool', kind: 'heartbeat', frame_seq: 1, direction: 'ping', peer_frame_seq: 0 }))
    await until(
      () => written.some((frame) => frame.kind === 'heartbeat' && frame.direction === 'pong'),
      'a pong',
    )
    const pings = () => written.filter((frame) => frame.kind === 'heartbeat' && frame.direction === 'ping')
    await until(() => pings().length >= 2, 'two pings')
    const heartbeats = written.filter((frame) => frame.kind === 'heartbeat')
    assert.deepEqual(
      heartbeats.map((frame) => frame.frame_seq),
      heartbeats.map((_, index) => index + 1),
    )
    assert.equal(pings()[0]!.peer_frame_seq, 1, 'peer_frame_seq is the last numbered frame sent')
    assert.equal(hub.session.stats().sentSeq, 1, 'heartbeats do not take numbers')
    await until(() => hub.dead > 0, 'the peer counted dead', 2000)
  })

  test('backpressure: a receiver over its high-water mark asks to pause; the sender holds its frames until resume', async (t) => {
    const releases: (() => void)[] = []
    const host = side(
      'tool',
      'backend',
      { highWaterMark: 4, retryAfterMs: 10_000 },
      () => new Promise<void>((done) => releases.push(done)),
    )
    const hub = side('backend', 'tool')
    t.after(() => closeAll(hub, host))
    connect(hub, host)
    for (let index = 0; index < 20; index++)
      hub.session.send({ kind: 'tool_call', call_id: `c${index}`, name: 'slow', arguments: {} })
    await until(() => hub.session.stats().pausedByPeer, 'the hub paused')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const delivered = host.frames.length
    assert.ok(delivered >= 5 && delivered < 20, `held after the pause (delivered ${delivered})`)
    assert.ok(hub.session.stats().queued > 0)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(host.frames.length, delivered, 'nothing more arrives while paused')
    // The host catches up: at half the mark it says resume and the rest arrives.
    const release = async () => {
      while (releases.length > 0) releases.shift()!()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await release()
    await until(() => host.frames.length > delivered, 'frames after resume')
    while (host.frames.length < 20) await release()
    assert.equal(host.frames.length, 20)
    assert.deepEqual(
      host.frames.map((frame) => frame.call_id),
      Array.from({ length: 20 }, (_, i) => `c${i}`),
    )
  })

  test('a paused sender writes again after retry_after_ms without a resume; a full queue is E_RESOURCE_LIMIT', async (t) => {
    const hub = side('backend', 'tool', { maxQueuedFrames: 3 })
    t.after(() => hub.session.close())
    const toHub = new PassThrough()
    const fromHub = new PassThrough()
    const written: Frame[] = []
    fromHub.on('data', (chunk: Buffer) => {
      for (const text of chunk.toString().split('\n').filter(Boolean)) written.push(JSON.parse(text))
    })
    hub.session.attach({ input: toHub, output: fromHub })
    // Timed from before the pause is written: the hold starts no earlier, so a slow poll below
    // (a loaded machine) cannot eat into the measured hold.
    const started = performance.now()
    toHub.write(
      raw({
        role: 'tool',
        kind: 'backpressure',
        frame_seq: 1,
        signal: 'pause',
        source: 'tui_reader',
        queue_depth: 9,
        hwm: 4,
        retry_after_ms: 150,
        hud_copy_ko: '멈춤',
        hud_copy_en: 'pause',
      }),
    )
    await until(() => hub.session.stats().pausedByPeer, 'paused')
    for (let index = 0; index < 3; index++)
      hub.session.send({ kind: 'tool_call', call_id: `q${index}`, name: 'x', arguments: {} })
    assert.throws(() => hub.session.send({ kind: 'tool_call', call_id: 'q3', name: 'x', arguments: {} }), {
      code: 'E_RESOURCE_LIMIT',
    })
    await until(() => written.filter((frame) => frame.kind === 'tool_call').length === 3, 'the held calls')
    assert.ok(performance.now() - started >= 120, 'held for retry_after_ms')
  })

  test('payloads: joined and checked; a wrong checksum or count is checksum_mismatch', async (t) => {
    const hub = side('backend', 'tool')
    const host = side('tool', 'backend', { payloadChunkChars: 7 })
    t.after(() => closeAll(hub, host))
    const { toA } = connect(hub, host)
    const text = JSON.stringify({ text: '🎉'.repeat(20) + 'tail' })
    host.session.sendPayload('big-1', text)
    host.session.send(
      { kind: 'tool_result', call_id: 'k', envelope: { kind: 'check', ok: true, result_ref: 'payload' } },
      'big-1',
    )
    await until(() => hub.frames.some((frame) => frame.kind === 'tool_result'), 'the result')
    const outcome = hub.session.takePayload('big-1')
    assert.ok(outcome?.ok)
    assert.equal(outcome.text, text)
    assert.equal(hub.session.takePayload('big-1'), undefined, 'taken once')
    const seq = host.session.stats().sentSeq
    toA.write(
      raw({
        role: 'tool',
        kind: 'payload_start',
        frame_seq: seq + 1,
        correlation_id: 'bad',
        content_type: 'application/json',
      }),
    )
    toA.write(
      raw({
        role: 'tool',
        kind: 'payload_delta',
        frame_seq: seq + 2,
        correlation_id: 'bad',
        delta_seq: 0,
        payload: '"a"',
      }),
    )
    toA.write(
      raw({
        role: 'tool',
        kind: 'payload_end',
        frame_seq: seq + 3,
        correlation_id: 'bad',
        delta_count: 1,
        status: 'ok',
        trailer: { final: true, checksum_sha256: sha256Hex('"b"') },
      }),
    )
    await until(() => hub.issues.some((issue) => issue.code === 'checksum_mismatch'), 'the mismatch')
    assert.equal(hub.session.takePayload('bad')?.ok, false)
  })

  test('resume: a dropped connection replays the frames after last_seen unchanged, in both directions', async (t) => {
    const hub = side('backend', 'tui', {}, undefined, 'token-1')
    const client = side('tui', 'backend')
    t.after(() => closeAll(hub, client))
    connect(hub, client)
    hub.session.send({ kind: 'assistant_chunk', message_id: 'm', delta: 'one', done: false })
    await until(() => client.frames.length === 1, 'the first chunk')
    hub.session.detach()
    client.session.detach()
    // Sent while the pipe is down: numbered and kept in the ring.
    hub.session.send({ kind: 'assistant_chunk', message_id: 'm', delta: 'two', done: false })
    hub.session.send({ kind: 'assistant_chunk', message_id: 'm', delta: 'three', done: true })
    client.session.send({ kind: 'user_input', text: 'typed while offline' })
    connect(hub, client)
    client.session.requestResume('token-1')
    await until(
      () => client.frames.filter((frame) => frame.kind === 'assistant_chunk').length === 3,
      'the replay',
    )
    const response = client.frames.find((frame) => frame.kind === 'resume_response')!
    assert.equal(response.replay_count, 2)
    assert.equal(response.frame_seq, 0)
    assert.deepEqual(
      client.frames
        .filter((frame) => frame.kind === 'assistant_chunk')
        .map((frame) => [frame.frame_seq, frame.delta]),
      [
        [1, 'one'],
        [2, 'two'],
        [3, 'three'],
      ],
    )
    await until(() => hub.frames.some((frame) => frame.kind === 'user_input'), 'the client replay')
    assert.deepEqual(hub.issues, [])
    assert.deepEqual(client.issues, [])
  })

  test('resume without the frames buffered is resume_rejected ring_evicted; a wrong token is token_mismatch', async (t) => {
    const hub = side('backend', 'tui', { resumeRingFrames: 2 }, undefined, 'token-1')
    const client = side('tui', 'backend')
    t.after(() => closeAll(hub, client))
    connect(hub, client)
    hub.session.detach()
    client.session.detach()
    for (let index = 0; index < 5; index++)
      hub.session.send({ kind: 'assistant_chunk', message_id: 'm', delta: `${index}`, done: false })
    connect(hub, client)
    client.session.requestResume('token-1')
    await until(() => client.frames.some((frame) => frame.kind === 'resume_rejected'), 'the rejection')
    assert.equal(client.frames.find((frame) => frame.kind === 'resume_rejected')!.reason, 'ring_evicted')
    assert.equal(client.frames.filter((frame) => frame.kind === 'assistant_chunk').length, 0)
    client.session.requestResume('wrong')
    await until(
      () => client.frames.filter((frame) => frame.kind === 'resume_rejected').length === 2,
      'the second rejection',
    )
    assert.equal(
      client.frames.filter((frame) => frame.kind === 'resume_rejected')[1]!.reason,
      'token_mismatch',
    )
  })

  test('a different protocol version is answered protocol_mismatch and the session closes', async (t) => {
    const hub = side('backend', 'tool')
    t.after(() => hub.session.close())
    const toHub = new PassThrough()
    const fromHub = new PassThrough()
    let text = ''
    fromHub.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    hub.session.attach({ input: toHub, output: fromHub })
    toHub.write(
      raw({
        role: 'tool',
        kind: 'heartbeat',
        frame_seq: 1,
        direction: 'ping',
        peer_frame_seq: 0,
        version: '2.0',
      }),
    )
    await until(() => text.includes('protocol_mismatch'), 'the mismatch')
    assert.throws(() => hub.session.send({ kind: 'tool_call', call_id: 'a', name: 'x', arguments: {} }), {
      code: 'E_DEPENDENCY_UNAVAILABLE',
    })
  })

  test('options are checked and frozen', () => {
    assert.throws(() => side('backend', 'tool', { highWaterMark: 0 }), { code: 'E_VALIDATION' })
    const hub = side('backend', 'tool')
    assert.ok(Object.isFrozen(hub.session.settings))
    assert.equal(hub.session.settings.highWaterMark, 64)
    hub.session.close()
  })
})
