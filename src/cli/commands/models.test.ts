import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { runCommand } from '../../../test/kit/cli-io.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { run } from './models.ts'

const FILE = randomBytes(120_000)

describe('localhub models', () => {
  const temp = makeTempDir('localhub-models-cli-')
  const dataDir = join(temp.path, 'data')
  let server: Server
  let url = ''
  let dropFirst = true

  before(async () => {
    server = createServer((request, response) => {
      const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0)
      const body = FILE.subarray(start)
      response.writeHead(start === 0 ? 200 : 206, {
        'content-length': String(body.length),
        ...(start === 0 ? {} : { 'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` }),
      })
      if (dropFirst) {
        dropFirst = false
        response.write(body.subarray(0, 50_000), () => response.socket?.destroy())
      } else response.end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/whisper-tiny.bin`
  })
  after(async () => {
    await new Promise((resolve) => server.close(resolve))
    temp.remove()
  })

  test('pull resumes a dropped download, checks the digest and shows progress; list and rm', async () => {
    const digest = createHash('sha256').update(FILE).digest('hex')
    const pulled = await runCommand(run, ['pull', url, '--sha256', digest], { cwd: temp.path, dataDir })
    assert.equal(pulled.code, 0, pulled.stderr)
    assert.match(pulled.stdout, /whisper-tiny\.bin\t0\.1 MB\tsha256:[0-9a-f]{64}/)
    assert.match(pulled.stderr, /100% 0\.1 MB \/ 0\.1 MB/)
    const listed = await runCommand(run, ['list'], { cwd: temp.path, dataDir })
    assert.equal(listed.stdout, 'whisper-tiny.bin\t0.1 MB\n')
    assert.equal((await runCommand(run, ['rm', 'whisper-tiny.bin'], { cwd: temp.path, dataDir })).code, 0)
    const missing = await runCommand(run, ['rm', 'whisper-tiny.bin'], { cwd: temp.path, dataDir })
    assert.equal(missing.code, 1)
    const bad = await runCommand(run, ['pull', url, '--sha256', 'abc'], { cwd: temp.path, dataDir })
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /64 hexadecimal digits/)
  })
})
