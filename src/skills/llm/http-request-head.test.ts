// What decision 1788 relies on: with the headers as name/value pairs node:http adds no Host header
// of its own, so the request's head must still carry exactly one, as node:http wrote it, and a URL
// with credentials must still send their Authorization header.
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import { after, before, test } from 'node:test'
import { sendHttpRequest } from './http-request.ts'

let server: net.Server
let port = 0
const heads: string[] = []

before(async () => {
  server = net.createServer((socket) => {
    let data = ''
    socket.on('data', (chunk) => {
      data += chunk
      if (!data.includes('\r\n\r\n')) return
      heads.push(data.split('\r\n\r\n')[0]!)
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as net.AddressInfo).port
})
after(() => server.close())

async function headOf(url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const agent = new http.Agent({ keepAlive: true })
  const response = await sendHttpRequest({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"text":"héllo — there"}',
    signal: new AbortController().signal,
    connectTimeoutMs: 5_000,
    target: { service: 'Test', url, startHint: '' } as never,
    agent,
  })
  response.body.resume()
  agent.destroy()
  return heads.pop()!.split('\r\n').slice(1)
}

const named = (lines: string[], name: string) =>
  lines
    .filter((line) => line.toLowerCase().startsWith(`${name}:`))
    .map((line) => line.slice(name.length + 1).trim())

test('one Host header, the body length in bytes, keep-alive', async () => {
  const lines = await headOf(`http://127.0.0.1:${port}/api/chat`)
  assert.deepEqual(named(lines, 'host'), [`127.0.0.1:${port}`])
  assert.deepEqual(named(lines, 'content-length'), [String(Buffer.byteLength('{"text":"héllo — there"}'))])
  assert.deepEqual(named(lines, 'connection'), ['keep-alive'])
  assert.deepEqual(named(lines, 'accept'), ['*/*'])
})

test("a URL's credentials still become its Authorization header", async () => {
  const lines = await headOf(`http://user:secret@127.0.0.1:${port}/v1/chat/completions`)
  assert.deepEqual(named(lines, 'authorization'), [`Basic ${Buffer.from('user:secret').toString('base64')}`])
  assert.deepEqual(named(lines, 'host'), [`127.0.0.1:${port}`])
})

test("a caller's own Host header is the only one", async () => {
  const lines = await headOf(`http://127.0.0.1:${port}/api/chat`, { Host: 'model.example' })
  assert.deepEqual(named(lines, 'host'), ['model.example'])
})
