// python/localhub_client/websocket.py (a minimal RFC 6455 client) against a loopback server that
// writes frames by hand: fragments with a ping between them, a close with a code, and hostile or
// broken answers (a masked server frame, a 1 TiB length, a wrong accept key, a cut connection, a
// refused upgrade). The server also checks what the client sends: every frame masked.
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PYTHON = spawnSync('python3', ['--version']).status === 0
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

function frame(opcode: number, payload: Buffer, options: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const head = [(options.fin === false ? 0 : 0x80) | opcode]
  const maskBit = options.mask ? 0x80 : 0
  if (payload.length < 126) head.push(maskBit | payload.length)
  else head.push(maskBit | 126, payload.length >> 8, payload.length & 0xff)
  const mask = options.mask ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0)
  const body = options.mask ? Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!)) : payload
  return Buffer.concat([Buffer.from(head), mask, body])
}

/** Reads one client frame (masked, short) from `data`; undefined when incomplete. */
function clientFrame(data: Buffer): { opcode: number; masked: boolean; payload: Buffer } | undefined {
  if (data.length < 2) return undefined
  const length = data[1]! & 0x7f
  const masked = (data[1]! & 0x80) !== 0
  const start = 2 + (masked ? 4 : 0)
  if (data.length < start + length) return undefined
  const mask = data.subarray(2, 6)
  const payload = Buffer.from(
    data.subarray(start, start + length).map((byte, index) => (masked ? byte ^ mask[index % 4]! : byte)),
  )
  return { opcode: data[0]! & 0x0f, masked, payload }
}

const received: Record<string, { opcode: number; masked: boolean; payload: string }[]> = {}

function handle(socket: Socket, path: string, key: string): void {
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64')
  const upgrade = (acceptKey = accept) =>
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey}\r\n\r\n`,
    )
  const frames: { opcode: number; masked: boolean; payload: string }[] = []
  received[path] = frames
  let pending = Buffer.alloc(0)
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk])
    for (let next = clientFrame(pending); next !== undefined; next = clientFrame(pending)) {
      frames.push({ opcode: next.opcode, masked: next.masked, payload: next.payload.toString('utf8') })
      pending = pending.subarray(2 + (next.masked ? 4 : 0) + next.payload.length)
    }
  })
  switch (path) {
    case '/fragments':
      upgrade()
      socket.write(
        Buffer.concat([
          frame(0x1, Buffer.from('{"a":'), { fin: false }),
          frame(0x9, Buffer.from('are you there')),
          frame(0x0, Buffer.from('"héllo"}')),
          frame(0x8, Buffer.from([0x03, 0xf0, ...Buffer.from('policy')])),
        ]),
      )
      return
    case '/masked':
      upgrade()
      socket.write(frame(0x1, Buffer.from('x'), { mask: true }))
      return
    case '/huge':
      upgrade()
      socket.write(Buffer.from([0x81, 127, 0, 0, 1, 0, 0, 0, 0, 0]))
      return
    case '/bad-accept':
      upgrade('AAAAAAAAAAAAAAAAAAAAAAAAAAA=')
      return
    case '/cut':
      upgrade()
      socket.end(Buffer.from([0x81, 10, 0x61]))
      return
    default: {
      const body = JSON.stringify({
        ok: false,
        error: { code: 'E_PERMISSION_REQUIRED', message: 'no token' },
      })
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      )
    }
  }
}

const SCRIPT = `
import json, sys
sys.path.insert(0, sys.argv[1])
from localhub_client import websocket
base = sys.argv[2]
out = {}
def attempt(name, action):
    try:
        out[name] = ["ok", action()]
    except websocket.HandshakeRefused as error:
        out[name] = ["refused", error.status, json.loads(error.body)["error"]["code"]]
    except websocket.WebSocketError as error:
        out[name] = ["error", str(error)]
def fragments():
    ws = websocket.connect(base + "/fragments", {"Authorization": "Bearer t"}, timeout=5)
    return [ws.recv(), ws.recv(), ws.close_code]
attempt("fragments", fragments)
for name in ["masked", "huge", "bad-accept", "cut", "refused"]:
    attempt(name, lambda: websocket.connect(base + "/" + name, timeout=5).recv())
print(json.dumps(out))
`

describe('the Python WebSocket client (RFC 6455) against hand-written frames', {
  skip: PYTHON ? false : 'python3 is not installed',
}, () => {
  let server: Server
  let base = ''

  before(async () => {
    server = createServer((socket) => {
      let head = ''
      const onData = (chunk: Buffer) => {
        head += chunk.toString('latin1')
        if (!head.includes('\r\n\r\n')) return
        socket.off('data', onData)
        const path = /^GET (\S+) /.exec(head)?.[1] ?? ''
        const key = /^sec-websocket-key: (.+)$/im.exec(head)?.[1]?.trim() ?? ''
        handle(socket, path, key)
      }
      socket.on('data', onData)
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address() as { port: number }
    base = `ws://127.0.0.1:${address.port}`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  test('every case gives the answer RFC 6455 asks for', async () => {
    const { stdout } = await promisify(execFile)('python3', ['-c', SCRIPT, join(ROOT, 'python'), base], {
      timeout: 30_000,
    })
    const out = JSON.parse(stdout) as Record<string, unknown[]>
    assert.deepEqual(out.fragments, ['ok', ['{"a":"héllo"}', null, 1008]])
    assert.equal(out.masked![0], 'error')
    assert.match(String(out.masked![1]), /masked/)
    assert.match(String(out.huge![1]), /larger than/)
    assert.match(String(out['bad-accept']![1]), /Sec-WebSocket-Accept/)
    assert.match(String(out.cut![1]), /closed in the middle/)
    assert.deepEqual(out.refused, ['refused', 401, 'E_PERMISSION_REQUIRED'])
    const sent = received['/fragments']!
    assert.deepEqual(
      sent.map((item) => [item.opcode, item.masked]),
      [
        [0xa, true],
        [0x8, true],
      ],
      'a masked pong, then a masked close',
    )
    assert.equal(sent[0]!.payload, 'are you there', 'the pong echoes the ping')
  })
})
