// WS /ws/frames with raw frames: no token, a first message that is not a frame, a resume of an
// unknown session or with a wrong token, a session id in use, invalid frames after the start, kinds
// not served to terminals; and `localhub attach` with a wrong token.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { runToEnd } from '../kit/child-process.ts'
import { type SessionHub, startSessionHub } from '../kit/session-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const BIN = fileURLToPath(new URL('../../bin/localhub.js', import.meta.url))
const WAIT_MS = 10_000

interface RawClient {
  socket: WebSocket
  frames: Record<string, unknown>[]
  closed: Promise<{ code: number; reason: string }>
  next(kind: string): Promise<Record<string, unknown>>
  send(frame: Record<string, unknown>): void
}

function frame(sessionId: string, seq: number, body: Record<string, unknown>): Record<string, unknown> {
  return {
    session_id: sessionId,
    correlation_id: randomUUID(),
    ts: new Date().toISOString(),
    version: '1.0',
    role: 'tui',
    frame_seq: seq,
    ...body,
  }
}

async function connect(hub: SessionHub['hub'], token: string | null = hub.token): Promise<RawClient> {
  const socket = new WebSocket(`${hub.url.replace('http', 'ws')}/ws/frames`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  })
  const frames: Record<string, unknown>[] = []
  const waiters: (() => void)[] = []
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Record<string, unknown>)
    for (const wake of waiters.splice(0)) wake()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  )
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  return {
    socket,
    frames,
    closed,
    send: (body) => socket.send(JSON.stringify(body)),
    async next(kind) {
      const deadline = Date.now() + WAIT_MS
      for (;;) {
        const found = frames.find((item) => item.kind === kind)
        if (found !== undefined) {
          frames.splice(frames.indexOf(found), 1)
          return found
        }
        if (Date.now() > deadline) throw new Error(`no ${kind} frame; got ${JSON.stringify(frames)}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 100)
        })
      }
    },
  }
}

describe('WS /ws/frames refuses what it should', () => {
  let session: SessionHub
  before(async () => {
    session = await startSessionHub('localhub-frames-hostile-')
  })
  after(() => session.close())

  test('without the token the upgrade is refused with 401', async () => {
    await assert.rejects(connect(session.hub, null), /401/)
    await assert.rejects(connect(session.hub, 'not-the-token'), /401/)
  })

  test('a first message that is not a frame closes the socket with 1008', async () => {
    const client = await connect(session.hub)
    client.socket.send('{not json')
    const closed = await client.closed
    assert.equal(closed.code, 1008)
    assert.match(closed.reason, /session_event new or resume_request/)
  })

  test('resuming an unknown session is resume_rejected session_unknown', async () => {
    const client = await connect(session.hub)
    client.send(
      frame(randomUUID(), 0, { kind: 'resume_request', last_seen_frame_seq: 3, tui_session_token: 'x' }),
    )
    const rejected = await client.next('resume_rejected')
    assert.equal(rejected.reason, 'session_unknown')
    client.socket.close()
  })

  test('a session id in use is refused; a resume with the wrong token is token_mismatch', async () => {
    const sessionId = randomUUID()
    const first = await connect(session.hub)
    first.send(frame(sessionId, 1, { kind: 'session_event', event: 'new', payload: {} }))
    const started = await first.next('session_event')
    assert.equal((started.payload as { session_id: string }).session_id, sessionId)
    assert.match(String((started.payload as { resume_token: string }).resume_token), /^[0-9a-f]{32}$/)

    const twin = await connect(session.hub)
    twin.send(frame(sessionId, 1, { kind: 'session_event', event: 'new', payload: {} }))
    const refused = await twin.closed
    assert.equal(refused.code, 1008)
    assert.match(refused.reason, /in use/)

    const thief = await connect(session.hub)
    thief.send(
      frame(sessionId, 0, { kind: 'resume_request', last_seen_frame_seq: 0, tui_session_token: 'guess' }),
    )
    const rejected = await thief.next('resume_rejected')
    assert.equal(rejected.reason, 'token_mismatch')
    thief.socket.close()
    first.socket.close()
  })

  test('invalid frames after the start are errors as data; kinds not served say so; nothing accepted is lost', async () => {
    const sessionId = randomUUID()
    const client = await connect(session.hub)
    client.send(frame(sessionId, 1, { kind: 'session_event', event: 'new', payload: {} }))
    await client.next('session_event')
    client.send(frame(sessionId, 2, { kind: 'user_input' }))
    const invalid = await client.next('error')
    assert.equal(invalid.code, 'invalid_frame')
    assert.equal((invalid.details as { path: string }).path, '/text')
    client.send(
      frame(sessionId, 2, {
        kind: 'tool_result',
        call_id: 'c',
        envelope: { kind: 'check', ok: true, result: null },
        trailer: { final: true },
      }),
    )
    const role = await client.next('error')
    assert.equal(role.code, 'role_not_allowed', JSON.stringify(role))
    client.send(
      frame(sessionId, 2, {
        kind: 'consent_revoke_request',
        request_id: 'r',
        receipt_id: 'g',
        scope: 'once',
      }),
    )
    const unserved = await client.next('error')
    assert.equal(unserved.code, 'E_BAD_REQUEST')
    client.socket.send(Buffer.from(JSON.stringify(frame(sessionId, 3, { kind: 'user_input', text: 'x' }))))
    const binary = await client.next('error')
    assert.equal(binary.code, 'invalid_frame', JSON.stringify(binary))
    assert.match(String(binary.message), /binary message was dropped/)
    client.send(frame(sessionId, 3, { kind: 'user_input', text: 'after the noise' }))
    const chunks: string[] = []
    for (;;) {
      const chunk = await client.next('assistant_chunk')
      if (chunk.done === true) break
      chunks.push(String(chunk.delta))
    }
    assert.equal(chunks.join(''), 'Hello. You said: after the noise')
    client.socket.close()
  })

  test('localhub attach with a wrong token says why and exits 1', async () => {
    const temp = makeTempDir('localhub-attach-token-')
    try {
      const result = await runToEnd(
        process.execPath,
        [BIN, 'attach', '--url', session.hub.url, '--data', temp.path],
        { env: { LOCALHUB_TOKEN: 'wrong' }, timeoutMs: 20_000 },
      )
      assert.equal(result.code, 1, result.stderr)
      assert.match(result.stderr, /cannot attach to ws:\/\/.*\/ws\/frames: Unexpected server response: 401/)
    } finally {
      temp.remove()
    }
  })

  test('localhub attach --json prints every frame; the end of input ends it once the answer is in', async () => {
    const temp = makeTempDir('localhub-attach-json-')
    try {
      const result = await runToEnd(
        process.execPath,
        [BIN, 'attach', '--url', session.hub.url, '--data', temp.path, '--json'],
        {
          env: { LOCALHUB_TOKEN: session.hub.token },
          input: 'json please\n',
          timeoutMs: 20_000,
        },
      )
      assert.equal(result.code, 0, result.stderr)
      const frames = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      assert.equal(frames[0]?.kind, 'session_event')
      const chunks = frames.filter((item) => item.kind === 'assistant_chunk')
      assert.equal(chunks.at(-1)?.done, true)
      assert.equal(chunks.map((item) => item.delta).join(''), 'Hello. You said: json please')
      assert.ok(frames.every((item) => item.role === 'backend' && item.version === '1.0'))
    } finally {
      temp.remove()
    }
  })
})
