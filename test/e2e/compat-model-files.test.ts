// A bare ggufPath names a file in <data>/models, where `localhub models pull` puts it.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { openHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const temp = makeTempDir('localhub-model-files-')
after(() => temp.remove())

test('the llama.cpp provider looks a bare ggufPath up in <data>/models', async () => {
  const dataDir = join(temp.path, 'data')
  const hub = await openHub({
    dataDir,
    port: 0,
    logger: false,
    llmFlags: { provider: 'llamacpp', ggufPath: 'absent-model.gguf' },
  })
  try {
    const health = await hub.model?.health(AbortSignal.timeout(5_000))
    assert.equal(health?.ok, false)
    assert.equal(health?.target, join(dataDir, 'models', 'absent-model.gguf'))
  } finally {
    await hub.close()
  }
})
