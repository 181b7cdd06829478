// The CLI against a hub that dies: a fake server process answers two receipts of a published
// stream and is then killed with SIGKILL. The CLI must say what happened, not print its usage.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { REPO_ROOT, runToEnd } from '../kit/child-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

// A stand-in hub: reads the NDJSON body, answers two receipts, and has itself killed mid-answer.
const FAKE_HUB = `
const http = require('node:http')
const server = http.createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    response.setHeader('content-type', 'application/x-ndjson')
    response.write(JSON.stringify({ ok: true, data: { id: 'a', seq: 1 } }) + '\\n')
    response.write(JSON.stringify({ ok: true, data: { id: 'b', seq: 2 } }) + '\\n', () => {
      console.log('killing')
    })
  })
})
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port))
`

test('hostile: events publish whose server is SIGKILLed mid-stream reports the receipts', {
  timeout: 60_000,
}, async (t) => {
  const temp = makeTempDir('localhub-hostile-cli-')
  t.after(() => temp.remove())
  const dataDir = join(temp.path, 'data')
  const hub = spawn(process.execPath, ['-e', FAKE_HUB], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => hub.kill('SIGKILL'))
  const lines = createInterface({ input: hub.stdout! })[Symbol.asyncIterator]()
  const first = (await lines.next()).value as string
  const port = Number(/^listening (\d+)$/.exec(first)?.[1])
  assert.ok(port > 0, first)
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(
    join(dataDir, 'server.json'),
    JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: hub.pid }),
  )
  writeFileSync(join(dataDir, 'auth-token'), 'token\n')
  // Kill the server the moment it has written its second receipt.
  void lines.next().then(({ value }) => {
    if (value === 'killing') hub.kill('SIGKILL')
  })
  const input = Array.from({ length: 4 }, (_, n) => JSON.stringify({ type: 'note.added', payload: { n } }))
  const result = await runToEnd(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'localhub.js'), 'events', 'publish', '-', '--data', dataDir],
    { input: `${input.join('\n')}\n` },
  )
  assert.equal(result.code, 1, result.stderr)
  assert.doesNotMatch(result.stderr, /usage:/)
  assert.match(result.stderr, /stopped answering/)
  assert.match(result.stderr, /after 2 of 4 sent events were receipted/)
  assert.equal(result.stdout.trim().split('\n').length, 2)
})
