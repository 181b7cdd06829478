import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { type TestContext, test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import type { CommandIo } from '../io.ts'
import { run as events } from './events.ts'

/** A data directory whose server.json names a loopback server answering with `handler`. */
async function dataDirServedBy(
  t: TestContext,
  handler: RequestListener,
): Promise<{ dataDir: string; cwd: string }> {
  const temp = makeTempDir('localhub-publish-')
  t.after(() => temp.remove())
  const dataDir = join(temp.path, 'data')
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const { port } = server.address() as { port: number }
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(
    join(dataDir, 'server.json'),
    JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid }),
  )
  writeFileSync(join(dataDir, 'auth-token'), 'token\n')
  return { dataDir, cwd: temp.path }
}

/** `localhub events …args` with `stdin`; its exit code and everything it wrote. */
async function runEvents(args: string[], stdin: string | Buffer, cwd: string) {
  const outcome = { out: '', err: '' }
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  stdout.on('data', (chunk) => {
    outcome.out += chunk
  })
  stderr.on('data', (chunk) => {
    outcome.err += chunk
  })
  const io: CommandIo = { stdin: Readable.from([stdin]), stdout, stderr, env: {}, cwd }
  return { code: await events(args, io), ...outcome }
}

/** A hub stand-in that stores nothing and answers each non-empty line with the usual receipt. */
function receiptPerLine(received: string[][] = []) {
  let seq = 0
  return (request: IncomingMessage, response: ServerResponse) => {
    let text = ''
    request.setEncoding('utf8')
    request.on('data', (chunk) => {
      text += chunk
    })
    request.on('end', () => {
      const lines = text.split('\n').filter((line) => line !== '')
      received.push(lines)
      response.setHeader('content-type', 'application/x-ndjson')
      response.end(lines.map(() => `{"ok":true,"data":{"id":"e${++seq}","seq":${seq}}}\n`).join(''))
    })
  }
}

test('publish to a server that dies mid-answer says how many events were receipted and exits 1', async (t) => {
  const { dataDir, cwd } = await dataDirServedBy(t, (request, response) => {
    request.resume()
    request.on('end', () => {
      response.setHeader('content-type', 'application/x-ndjson')
      response.write(`${JSON.stringify({ ok: true, data: { id: 'a', seq: 1 } })}\n`)
      response.write(`${JSON.stringify({ ok: true, data: { id: 'b', seq: 2 } })}\n`, () =>
        // The hub process going away: the connection breaks with the answer half written.
        response.socket?.destroy(),
      )
    })
  })

  const input = Array.from({ length: 5 }, (_, n) => JSON.stringify({ type: 'note.added', payload: { n } }))
  const { code, out, err } = await runEvents(
    ['publish', '-', '--data', dataDir],
    `${input.join('\n')}\n`,
    cwd,
  )
  assert.equal(code, 1, err)
  assert.equal(out.trim().split('\n').length, 2)
  assert.doesNotMatch(err, /usage:/)
  assert.match(err, /stopped answering .* after 2 of 5 sent events were receipted/)
  assert.match(err, /from line 3 on were not confirmed/)
})

test('publish through a server streams 10,000 lines per request, one request after the other', async (t) => {
  const requests: { lines: number; chunked: boolean }[] = []
  let seq = 0
  let open = 0
  let overlapped = false
  const { dataDir, cwd } = await dataDirServedBy(t, (request, response) => {
    if (++open > 1) overlapped = true
    let text = ''
    request.setEncoding('utf8')
    request.on('data', (chunk) => {
      text += chunk
    })
    request.on('end', () => {
      const lines = text.split('\n').filter((line) => line !== '')
      requests.push({ lines: lines.length, chunked: request.headers['transfer-encoding'] === 'chunked' })
      response.setHeader('content-type', 'application/x-ndjson')
      response.end(
        lines.map(() => `${JSON.stringify({ ok: true, data: { id: `e${++seq}`, seq } })}\n`).join(''),
      )
      open--
    })
  })
  const input = Array.from({ length: 20_000 }, (_, n) =>
    JSON.stringify({ type: 'note.added', payload: { n } }),
  )
  input.splice(10, 0, '') // a blank line is not sent
  const { code, out } = await runEvents(['publish', '-', '--data', dataDir], `${input.join('\n')}\n`, cwd)
  assert.equal(code, 0)
  assert.deepEqual(
    requests.map((request) => request.lines),
    [10_000, 10_000],
    'no empty request after the last full one',
  )
  assert.ok(
    requests.every((request) => request.chunked),
    'each body is streamed',
  )
  assert.equal(overlapped, false, 'one request at a time keeps seqs in line order')
  assert.equal(out.trim().split('\n').length, 20_000)
})

test('through a server, lines that are not UTF-8 are named and never sent; all bad sends nothing', async (t) => {
  const received: string[][] = []
  const { dataDir, cwd } = await dataDirServedBy(t, receiptPerLine(received))
  const good = (n: number) => Buffer.from(`${JSON.stringify({ type: 'note.added', payload: { n } })}\n`)
  const bad = Buffer.concat([
    Buffer.from('{"type":"note.added","payload":{"n":0,"title":"'),
    Buffer.from([0xff]),
    Buffer.from('"}}\n'),
  ])
  const publish = (bytes: Buffer) => runEvents(['publish', '-', '--data', dataDir], bytes, cwd)
  const mixed = await publish(Buffer.concat([bad, good(2), bad, good(4)]))
  assert.equal(mixed.code, 1)
  assert.deepEqual(
    mixed.err
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).line),
    [1, 3],
  )
  assert.match(mixed.err, /not valid UTF-8/)
  assert.equal(mixed.out.trim().split('\n').length, 2)
  assert.deepEqual(received, [[good(2).toString().trim(), good(4).toString().trim()]])
  const onlyBad = await publish(Buffer.concat([bad, bad]))
  assert.equal(onlyBad.code, 1)
  assert.equal(onlyBad.err.trim().split('\n').length, 2)
  assert.equal(received.length, 1, 'no request for lines that were all refused')
})

test('publish and replay against a server.json naming a program that is not a hub say so: nothing stored', async (t) => {
  // Another program took the port: HTML for unknown paths, and a 200 page that is not NDJSON.
  const { dataDir, cwd } = await dataDirServedBy(t, (request, response) => {
    request.resume()
    request.on('end', () => {
      const missing = request.method === 'POST'
      response.writeHead(missing ? 404 : 200, { 'content-type': 'text/html' })
      response.end(missing ? '<html><body>Not Found</body></html>' : '<html><body>Welcome</body></html>')
    })
  })

  const published = await runEvents(
    ['publish', '-', '--data', dataDir],
    `${JSON.stringify({ type: 'note.added', payload: { n: 1 } })}\n`,
    cwd,
  )
  assert.equal(published.code, 1, published.err)
  assert.equal(published.out, '')
  assert.match(published.err, /E_DEPENDENCY_UNAVAILABLE/)
  assert.match(published.err, /is not a Local Hub: \/events answered 404 Not Found/)
  assert.match(published.err, /nothing sent to it was stored/)
  assert.doesNotMatch(published.err, /may or may not be stored/)

  const replayed = await runEvents(['replay', '--data', dataDir], '', cwd)
  assert.equal(replayed.code, 1, replayed.err)
  assert.match(replayed.err, /E_DEPENDENCY_UNAVAILABLE/)
  assert.match(replayed.err, /is not a Local Hub: \/events answered 200 with text\/html/)
})

test('through a server, the usual receipts are read and printed without JSON.parse (decision 2088)', async (t) => {
  const { dataDir, cwd } = await dataDirServedBy(t, receiptPerLine())
  const input = Array.from({ length: 200 }, (_, n) => JSON.stringify({ type: 'note.added', payload: { n } }))
  const parse = t.mock.method(JSON, 'parse')
  const { code, out } = await runEvents(['publish', '-', '--data', dataDir], `${input.join('\n')}\n`, cwd)
  const parses = parse.mock.callCount()
  parse.mock.restore()
  assert.equal(code, 0)
  assert.deepEqual(
    out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
    input.map((_, n) => ({ id: `e${n + 1}`, seq: n + 1 })),
  )
  // The server's address and token are read once; no parse per receipt.
  assert.ok(parses < 10, `${parses} JSON.parse calls for 200 receipts`)
})
