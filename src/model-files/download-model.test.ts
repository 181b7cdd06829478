import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { pullModelFile } from './download-model.ts'
import { listModelFiles, removeModelFile, resolveModelFile } from './model-store.ts'

const FILE = randomBytes(300_000)
const DIGEST = createHash('sha256').update(FILE).digest('hex')

describe('pulling a model file', () => {
  const temp = makeTempDir('localhub-model-pull-')
  const seen: IncomingHttpHeaders[] = []
  /** Requests whose connection is cut after this many bytes of the body. */
  let dropAfter: number[] = []
  let server: Server
  let base = ''

  before(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers)
      const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '')
      const start = range === null ? 0 : Number(range[1])
      if (start >= FILE.length) {
        response.writeHead(416, { 'content-range': `bytes */${FILE.length}` }).end()
        return
      }
      const body = FILE.subarray(start)
      response.writeHead(range === null ? 200 : 206, {
        'content-length': String(body.length),
        'accept-ranges': 'bytes',
        ...(range === null ? {} : { 'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` }),
      })
      const cut = dropAfter.shift()
      if (cut === undefined) {
        response.end(body)
        return
      }
      response.write(body.subarray(0, cut), () => response.socket?.destroy())
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    await new Promise((resolve) => server.close(resolve))
    temp.remove()
  })

  test('a connection dropped midway is resumed with a Range request and the digest checks', async () => {
    const dataDir = join(temp.path, 'one')
    seen.length = 0
    dropAfter = [100_000]
    const progress: number[] = []
    const pulled = await pullModelFile({
      dataDir,
      url: `${base}/models/tiny.gguf`,
      sha256: DIGEST,
      retryDelayMs: 1,
      onProgress: (update) => progress.push(update.receivedBytes),
    })
    assert.equal(pulled.name, 'tiny.gguf')
    assert.equal(pulled.requests, 2)
    assert.equal(pulled.sha256, DIGEST)
    assert.ok(readFileSync(pulled.path).equals(FILE))
    assert.equal(seen[0]?.range, undefined)
    assert.match(seen[1]?.range ?? '', /^bytes=\d+-$/)
    assert.equal(progress.at(-1), FILE.length)
    assert.deepEqual(
      listModelFiles(dataDir).map((file) => [file.name, file.sizeBytes, file.partial]),
      [['tiny.gguf', FILE.length, false]],
    )
  })

  test('a partial file from an earlier pull is continued, not downloaded again', async () => {
    const dataDir = join(temp.path, 'two')
    mkdirSync(join(dataDir, 'models'), { recursive: true })
    writeFileSync(join(dataDir, 'models', 'tiny.gguf.part'), FILE.subarray(0, 250_000))
    seen.length = 0
    dropAfter = []
    const pulled = await pullModelFile({ dataDir, url: `${base}/tiny.gguf`, sha256: DIGEST })
    assert.equal(seen[0]?.range, 'bytes=250000-')
    assert.ok(readFileSync(pulled.path).equals(FILE))
    assert.equal(removeModelFile(dataDir, 'tiny.gguf'), true)
    assert.deepEqual(listModelFiles(dataDir), [])
  })

  test('a bare name is found in <data>/models; a path is used as given', () => {
    assert.equal(resolveModelFile('/d', 'tiny.gguf'), join('/d', 'models', 'tiny.gguf'))
    assert.equal(resolveModelFile('/d', './tiny.gguf'), './tiny.gguf')
    assert.equal(resolveModelFile('/d', '/models/tiny.gguf'), '/models/tiny.gguf')
  })

  test('a wrong digest deletes the download; a server that keeps failing gives up', async () => {
    const dataDir = join(temp.path, 'three')
    dropAfter = []
    await assert.rejects(
      pullModelFile({ dataDir, url: `${base}/tiny.gguf`, sha256: '0'.repeat(64) }),
      /sha256 mismatch/,
    )
    assert.equal(existsSync(join(dataDir, 'models', 'tiny.gguf')), false)
    assert.equal(existsSync(join(dataDir, 'models', 'tiny.gguf.part')), false)
    dropAfter = [10, 10, 10]
    await assert.rejects(
      pullModelFile({ dataDir, url: `${base}/tiny.gguf`, attempts: 3, retryDelayMs: 1 }),
      /failed|ended/,
    )
    assert.equal(listModelFiles(dataDir)[0]?.partial, true, 'what arrived stays for the next pull')
    await assert.rejects(
      pullModelFile({ dataDir, url: `${base}/../x`, name: '../evil' }),
      /not a model file name/,
    )
  })
})
