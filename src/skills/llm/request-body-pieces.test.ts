// What decision 2078 relies on: a request body given as pieces reaches the server as the bytes of
// the pieces joined, with their UTF-8 length as its content-length, and the pieces the Ollama body
// is written in are the text JSON.stringify writes.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { sendHttpRequest } from './http-request.ts'
import { requestJsonPiecesWithTools } from './tool-messages.ts'

test('a body in pieces is sent as the pieces joined, its length counted in bytes', async () => {
  const received: { length: string | undefined; body: Buffer }[] = []
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push({ length: request.headers['content-length'], body: Buffer.concat(chunks) })
      response.end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/chat`
    const pieces = ['{"text":"h', 'éllo — ', '', 'there 🙂', '"}']
    const response = await sendHttpRequest({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body: pieces,
      signal: new AbortController().signal,
      connectTimeoutMs: 5_000,
      target: { service: 'Test', url, startHint: '' } as never,
    })
    response.body.resume()
    await new Promise((resolve) => response.body.on('end', resolve))
    const joined = Buffer.from(pieces.join(''), 'utf8')
    assert.equal(received.length, 1)
    assert.equal(received[0]!.length, String(joined.length))
    assert.ok(received[0]!.body.equals(joined))
  } finally {
    server.close()
  }
})

test("the Ollama body's pieces join to what JSON.stringify writes", () => {
  const parameters = {
    type: 'object',
    properties: { path: { type: 'string', description: 'a "path" — here' } },
  }
  const tools = [
    { type: 'function', function: { name: 'read_file', description: 'Read.', parameters } },
    {
      type: 'function',
      function: { name: 'list_dir', description: 'List.', parameters: { type: 'object' } },
    },
  ]
  const body = { model: 'tiny', messages: [{ role: 'user', content: 'hi — there' }], stream: true }
  for (const offered of [[], tools.slice(0, 1), tools, tools]) {
    const pieces = requestJsonPiecesWithTools({ ...body }, offered)
    assert.equal(
      pieces.join(''),
      JSON.stringify({ ...body, ...(offered.length > 0 ? { tools: offered } : {}) }),
    )
  }
})
