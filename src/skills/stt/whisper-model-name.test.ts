// `engine: whisper` with a bare modelPath finds the file `localhub models pull` stored in
// <data>/models (decision 1724), as the llama.cpp provider does with ggufPath.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { pullModelFile } from '../../model-files/index.ts'
import type { SkillContext } from '../../skill-api/index.ts'
import { createSttSkillModule } from './skill-module.ts'

test('a whisper model pulled from a loopback server is found by its name', async (t) => {
  const temp = makeTempDir('localhub-whisper-name-')
  t.after(() => temp.remove())
  const weights = randomBytes(50_000)
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-length': String(weights.length) }).end(weights)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => server.close(resolve)))
  const dataDir = join(temp.path, 'data')
  const module = createSttSkillModule({ whisperInstalled: () => true })
  const status = async () =>
    (
      await module.open({
        config: { engine: 'whisper', modelPath: 'ggml-tiny.en.bin' },
        env: {},
        dataDir,
        skill: { provides: [] },
      } as unknown as SkillContext)
    ).runtime!.status()
  const before = await status()
  assert.equal(before.state, 'unavailable')
  assert.ok(
    before.reason?.includes(`${join(dataDir, 'models', 'ggml-tiny.en.bin')} does not exist`),
    before.reason,
  )
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/ggml-tiny.en.bin`
  const pulled = await pullModelFile({ url, dataDir })
  assert.equal(pulled.path, join(dataDir, 'models', 'ggml-tiny.en.bin'))
  assert.deepEqual(await status(), { state: 'ready' })
})
