// WebSocket messages an attacker (or a broken client) would send, against a real hub over loopback:
// every route that reads client messages answers bad input with its documented error message,
// naming what was wrong, and keeps the connection; protocol-level faults (oversized, invalid
// UTF-8) close with a code and a reason; the hub and other clients keep working throughout.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WebSocket } from 'ws'
import { type HubWithWorkspace, type Json, openHubWithWorkspace } from './hub-with-workspace.ts'

/** Messages a route answers, in order, and how it closed. */
interface Client {
  socket: WebSocket
  /** The next message (parsed JSON) that satisfies `match`, skipping others. */
  next(match?: (message: Json) => boolean): Promise<Json>
  closed: Promise<{ code: number; reason: string }>
}

describe('hostile WebSocket messages', { timeout: 60_000 }, () => {
  let fixture: HubWithWorkspace

  before(async () => {
    fixture = await openHubWithWorkspace('localhub-hostile-ws-')
  })
  after(() => fixture?.close())

  const open = (path: string): Promise<Client> =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(`${fixture.hub.url.replace(/^http/, 'ws')}${path}`, {
        headers: { authorization: `Bearer ${fixture.hub.token}` },
      })
      const queue: Json[] = []
      let waiter: (() => void) | undefined
      socket.on('message', (data) => {
        queue.push(JSON.parse(String(data)))
        waiter?.()
      })
      const closed = new Promise<{ code: number; reason: string }>((done) =>
        socket.on('close', (code, reason) => {
          done({ code, reason: String(reason) })
          waiter?.()
        }),
      )
      const next = async (match: (message: Json) => boolean = () => true): Promise<Json> => {
        for (;;) {
          const index = queue.findIndex(match)
          if (index >= 0) return queue.splice(index, 1)[0]
          if (socket.readyState >= WebSocket.CLOSING) throw new Error(`${path} closed while waiting`)
          await new Promise<void>((wake) => {
            waiter = wake
          })
        }
      }
      socket.once('open', () => resolve({ socket, next, closed }))
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`${path}: HTTP ${response.statusCode}`)),
      )
      socket.once('error', reject)
    })

  const isError = (message: Json) => message?.type === 'error.raised'

  /** Sends each text and checks the error.raised it answers: code, where, and (if given) details.path. */
  const expectErrors = async (
    client: Client,
    where: string,
    cases: readonly (readonly [string | Buffer, string, RegExp, string?])[],
  ): Promise<void> => {
    for (const [message, code, says, path] of cases) {
      client.socket.send(message)
      const error = (await client.next(isError)).payload
      const label = `${where} ${String(message)}: ${JSON.stringify(error)}`
      assert.equal(error.code, code, label)
      assert.equal(error.where, where, label)
      assert.match(error.message, says, label)
      if (path !== undefined) assert.equal(error.details?.path, path, label)
    }
  }

  /** Faults of the envelope itself, which every pipeline entry reads the same way (decision 2085). */
  const ENVELOPE_FAULTS = [
    ['not json', 'E_VALIDATION', /not JSON/, ''],
    ['[]', 'E_VALIDATION', /JSON object .*not an array/, ''],
    ['5', 'E_VALIDATION', /not a number/, ''],
    ['null', 'E_VALIDATION', /not null/, ''],
    ['"voice.start"', 'E_VALIDATION', /not a string/, ''],
    ['{}', 'E_VALIDATION', /needs a string type/, '/type'],
    ['{"type":5}', 'E_VALIDATION', /type is a string, not a number/, '/type'],
    ['{"__proto__":{"type":"voice.start"}}', 'E_VALIDATION', /needs a string type/, '/type'],
    [
      '{"type":"voice.start","payload":5}',
      'E_VALIDATION',
      /payload is a JSON object, not a number/,
      '/payload',
    ],
    [
      '{"type":"voice.start","payload":[]}',
      'E_VALIDATION',
      /payload is a JSON object, not an array/,
      '/payload',
    ],
    ['{"type":"voice.start","payload":"x"}', 'E_VALIDATION', /not a string/, '/payload'],
  ] as const

  test('/ws/voice: bad envelopes, unknown types, wrong fields and __proto__ answer error.raised naming the fault', async () => {
    const client = await open('/ws/voice')
    await expectErrors(client, '/ws/voice', [
      ...ENVELOPE_FAULTS,
      [
        '{"type":"voice.nope","payload":{}}',
        'E_BAD_REQUEST',
        /takes voice\.start, voice\.chunk and voice\.end, not voice\.nope/,
      ],
      [
        '{"type":"voice.start","payload":{"__proto__":{"sampleRate":16000,"format":"pcm16","channels":1}}}',
        'E_VALIDATION',
        /sampleRate .* got undefined/,
      ],
      [
        '{"type":"voice.start","payload":{"sampleRate":"16000","format":"pcm16","channels":1}}',
        'E_VALIDATION',
        /sampleRate/,
      ],
      ['{"type":"voice.chunk","payload":{"seq":"0","bytesB64":"AAAA"}}', 'E_VALIDATION', /seq/],
      // Binary is audio here: before voice.start it is refused, not read as text.
      [Buffer.from([1, 2, 3, 4]), 'E_BAD_REQUEST', /send voice\.start first/],
    ])
    assert.equal(Object.hasOwn(Object.prototype, 'sampleRate'), false)
    assert.equal(Object.hasOwn(Object.prototype, 'type'), false)
    assert.equal(client.socket.readyState, WebSocket.OPEN)
    client.socket.close()
  })

  test('/ws/voice/listen: the same envelope faults; binary before voice.start is refused', async () => {
    const client = await open('/ws/voice/listen?source=hostile')
    await expectErrors(client, '/ws/voice/listen', [
      ...ENVELOPE_FAULTS,
      ['{"type":"voice.nope"}', 'E_BAD_REQUEST', /takes one voice\.start, then binary audio frames/],
      [Buffer.from([1, 2, 3, 4]), 'E_BAD_REQUEST', /audio arrived before voice\.start/],
    ])
    assert.equal(client.socket.readyState, WebSocket.OPEN)
    client.socket.close()
  })

  test('a message over the limit closes 1009, invalid UTF-8 closes 1007, each with a reason; others keep working', async () => {
    const tail = await open('/ws/events?filter=ui.command')
    for (const path of ['/ws/voice', '/ws/events', '/ws/avatar?sessionId=s1']) {
      const big = await open(path)
      // The server's wsMaxPayloadBytes is 16 KiB (docs/voice.md).
      big.socket.send('x'.repeat(17 * 1024))
      const closed = await big.closed
      assert.equal(closed.code, 1009, path)
      assert.match(closed.reason, /E_RESOURCE_LIMIT: a message is larger than 16384 bytes/, path)
      const broken = await open(path)
      broken.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
      const invalid = await broken.closed
      assert.equal(invalid.code, 1007, path)
      assert.match(invalid.reason, /E_BAD_REQUEST: a text message is not valid UTF-8/, path)
    }
    const posted = await fixture.call('POST', '/events', {
      type: 'ui.command',
      payload: { command: 'after' },
    })
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
    assert.equal((await tail.next((event) => event.type === 'ui.command')).payload.command, 'after')
    const voice = await open('/ws/voice')
    await expectErrors(voice, '/ws/voice', [['{"type":"x"}', 'E_BAD_REQUEST', /not x/]])
    voice.socket.close()
    tail.socket.close()
  })

  test('a burst of bad messages is answered one by one, in order; the tail of another client is not held up', async () => {
    const burst = 400
    const tail = await open('/ws/events?filter=ui.command')
    const client = await open('/ws/voice')
    for (let index = 0; index < burst; index++) client.socket.send(`{"type":"burst.${index}"}`)
    const posted = await fixture.call('POST', '/events', {
      type: 'ui.command',
      payload: { command: 'during' },
    })
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
    assert.equal((await tail.next((event) => event.type === 'ui.command')).payload.command, 'during')
    for (let index = 0; index < burst; index++) {
      const error = (await client.next(isError)).payload
      assert.match(error.message, new RegExp(`not burst\\.${index}$`))
    }
    assert.equal(client.socket.readyState, WebSocket.OPEN)
    client.socket.close()
    tail.socket.close()
  })

  test('a client that goes away mid-message loses nothing of others; the route serves the next client', async () => {
    const tail = await open('/ws/events?filter=ui.command')
    for (const path of ['/ws/voice', '/ws/voice/listen?source=cut', '/ws/events', '/ws/frames']) {
      const cut = await open(path)
      // The first fragment of a text message, then the TCP connection is cut.
      cut.socket.send('{"type":"voice.st', { fin: false })
      cut.socket.terminate()
      await cut.closed
    }
    const posted = await fixture.call('POST', '/events', {
      type: 'ui.command',
      payload: { command: 'still' },
    })
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
    assert.equal((await tail.next((event) => event.type === 'ui.command')).payload.command, 'still')
    const voice = await open('/ws/voice')
    await expectErrors(voice, '/ws/voice', [['[]', 'E_VALIDATION', /not an array/]])
    voice.socket.close()
    tail.socket.close()
  })

  test('/ws/frames: a first frame that is not an object with string kind and session_id closes 1008', async () => {
    for (const first of [
      '5',
      '[]',
      'null',
      '{}',
      '{"kind":"session_event","session_id":5}',
      '{"kind":5,"session_id":"s"}',
    ]) {
      const client = await open('/ws/frames')
      client.socket.send(first)
      const closed = await client.closed
      assert.equal(closed.code, 1008, first)
      assert.match(closed.reason, /first frame must be session_event new or resume_request/, first)
    }
  })

  test('/ws/events and /ws/avatar ignore what the client sends (documented one-way streams)', async () => {
    const tail = await open('/ws/events?filter=ui.command')
    const avatar = await open('/ws/avatar?sessionId=s1')
    for (const noise of ['not json', '{"__proto__":{"x":1}}', Buffer.from([0, 1, 2])]) {
      tail.socket.send(noise)
      avatar.socket.send(noise)
    }
    const posted = await fixture.call('POST', '/events', {
      type: 'ui.command',
      payload: { command: 'heard' },
    })
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
    assert.equal((await tail.next((event) => event.type === 'ui.command')).payload.command, 'heard')
    assert.equal(avatar.socket.readyState, WebSocket.OPEN)
    assert.equal(Object.hasOwn(Object.prototype, 'x'), false)
    avatar.socket.close()
    tail.socket.close()
  })
})
