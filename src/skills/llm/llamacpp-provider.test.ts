import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { buildTinyGguf, writeTinyGguf } from '../../../test/kit/llm-servers/index.ts'
import { HubError } from '../../contracts/index.ts'
import { resolveLlmConfig } from './config.ts'
import { createLlmProvider } from './create-provider.ts'
import { checkGgufFile } from './gguf-check.ts'
import {
  createLlamaCppProvider,
  LLAMA_NODE_PACKAGE,
  type LlamaModuleLike,
  llamaNodeLoader,
  loadLlamaNode,
} from './llamacpp-provider.ts'
import type { LlmDelta, LlmProvider } from './types.ts'

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'localhub-llamacpp-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function collect(provider: LlmProvider, maxTokens: number, signal?: AbortSignal): Promise<LlmDelta[]> {
  const parts: LlmDelta[] = []
  const request = {
    messages: [{ role: 'user' as const, content: 'hello world' }],
    options: { maxTokens, seed: 1 },
  }
  for await (const part of provider.chat(request, signal)) parts.push(part)
  return parts
}

const packageAvailable = await loadLlamaNode().then(
  () => true,
  () => false,
)

describe('llama.cpp provider: when it cannot run', () => {
  test('without ggufPath the config is rejected with E_VALIDATION', () => {
    assert.throws(
      () => createLlmProvider({ provider: 'llamacpp' }),
      (error: unknown) =>
        error instanceof HubError && error.code === 'E_VALIDATION' && /ggufPath/.test(error.message),
    )
  })

  test('a missing package is E_DEPENDENCY_UNAVAILABLE naming the package and why', async (t) => {
    const dir = await tempDir(t)
    const path = await writeTinyGguf(join(dir, 'model.gguf'))
    const missing = Object.assign(new Error(`Cannot find package '${LLAMA_NODE_PACKAGE}'`), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    let imported: string | undefined
    const provider = createLlamaCppProvider(
      resolveLlmConfig({ manifest: { provider: 'llamacpp', ggufPath: path } }),
      {
        loadModule: llamaNodeLoader(async (specifier) => {
          imported = specifier
          throw missing
        }),
      },
    )
    await assert.rejects(collect(provider, 2), { code: 'E_DEPENDENCY_UNAVAILABLE' })
    const health = await provider.health()
    assert.equal(health.ok, false)
    assert.equal(imported, LLAMA_NODE_PACKAGE)
    assert.match(health.error?.message ?? '', /npm install @fugood\/llama\.node/)
    assert.match(health.error?.message ?? '', /not installed/)
    assert.match(health.error?.message ?? '', /node-llama-cpp/)
  })

  test('tokens whose callbacks arrive after the completion resolves are streamed, not lost', async (t) => {
    const dir = await tempDir(t)
    const path = await writeTinyGguf(join(dir, 'model.gguf'))
    // As seen under load: the native promise settles first, the token callbacks trail it.
    const trailing = {
      async loadModel() {
        return {
          completion(_options: Record<string, unknown>, onToken: (token: { token: string }) => void) {
            setImmediate(() => onToken({ token: 'Hel' }))
            setImmediate(() => setImmediate(() => onToken({ token: 'lo' })))
            return Promise.resolve({ text: 'Hello!', timings: { prompt_n: 3, predicted_n: 3 } })
          },
          stopCompletion() {},
          async release() {},
        }
      },
    }
    const provider = createLlamaCppProvider(
      resolveLlmConfig({ manifest: { provider: 'llamacpp', ggufPath: path } }),
      { loadModule: async () => trailing },
    )
    t.after(() => provider.close())
    const parts = await collect(provider, 6)
    const text = parts.map((part) => (part.type === 'token' ? part.text : '')).join('')
    assert.equal(text, 'Hello!', 'late callbacks are waited for and the rest comes from the result')
    const done = parts.at(-1)
    assert.ok(done?.type === 'done')
    assert.equal(done.usage.completionTokens, 3)
  })

  test('a context left marked busy by the library is dropped unreleased and the answer comes from a fresh one', async (t) => {
    const dir = await tempDir(t)
    const path = await writeTinyGguf(join(dir, 'model.gguf'))
    // As @fugood/llama.node after its race (decision 2083): the first completion finishes, but its
    // context refuses every later one; stopping or releasing it would touch the freed worker.
    const calls: string[] = []
    let loads = 0
    const module: LlamaModuleLike = {
      async loadModel() {
        const number = ++loads
        let completions = 0
        return {
          // Not async: the library throws this refusal synchronously.
          completion(_options, onToken) {
            calls.push(`completion ${number}`)
            if (number === 1 && ++completions > 1) throw new TypeError('Another completion is in progress')
            onToken({ token: `ctx${number}` })
            return Promise.resolve({ text: `ctx${number}`, timings: { prompt_n: 2, predicted_n: 1 } })
          },
          stopCompletion() {
            calls.push(`stop ${number}`)
          },
          async release() {
            calls.push(`release ${number}`)
          },
        }
      },
    }
    const provider = createLlamaCppProvider(
      resolveLlmConfig({ manifest: { provider: 'llamacpp', ggufPath: path } }),
      { loadModule: async () => module },
    )
    const text = (parts: LlmDelta[]) => parts.map((part) => (part.type === 'token' ? part.text : '')).join('')
    assert.equal(text(await collect(provider, 4)), 'ctx1')
    const second = await collect(provider, 4)
    assert.equal(text(second), 'ctx2')
    assert.equal(second.at(-1)?.type, 'done')
    assert.equal(text(await collect(provider, 4)), 'ctx2', 'the fresh context stays in use')
    await provider.close()
    assert.deepEqual(calls, ['completion 1', 'completion 1', 'completion 2', 'completion 2', 'release 2'])
  })

  test('a package that loads but lacks loadModel, or whose binary fails, is reported as failed to load', async () => {
    await assert.rejects(llamaNodeLoader(async () => ({ something: 1 }))(), (error: unknown) => {
      return (
        error instanceof HubError &&
        error.code === 'E_DEPENDENCY_UNAVAILABLE' &&
        /failed to load/.test(error.message)
      )
    })
    await assert.rejects(
      llamaNodeLoader(async () => {
        throw new Error('libllama.so: cannot open shared object file')
      })(),
      /cannot open shared object file/,
    )
  })

  test('loadLlamaNode explains the install and the node-llama-cpp choice when the import fails', async () => {
    // Only meaningful where the package is absent; where it is present, check the happy path instead.
    if (packageAvailable) {
      const module = await loadLlamaNode()
      assert.equal(typeof module.loadModel, 'function')
      return
    }
    await assert.rejects(loadLlamaNode(), (error: unknown) => {
      return (
        error instanceof HubError &&
        error.code === 'E_DEPENDENCY_UNAVAILABLE' &&
        /npm install @fugood\/llama\.node/.test(error.message) &&
        /node-llama-cpp/.test(error.message)
      )
    })
  })

  test('a GGUF path that does not exist is E_DEPENDENCY_UNAVAILABLE naming the path', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'absent.gguf')
    const provider = createLlmProvider({ provider: 'llamacpp', ggufPath: path })
    await assert.rejects(collect(provider, 2), (error: unknown) => {
      return (
        error instanceof HubError && error.code === 'E_DEPENDENCY_UNAVAILABLE' && error.message.includes(path)
      )
    })
  })

  test('a malformed or truncated GGUF is refused before llama.cpp sees it (its loader would crash)', async (t) => {
    const dir = await tempDir(t)
    const garbage = join(dir, 'garbage.gguf')
    await writeFile(garbage, Buffer.from('GGUF\x03\x00\x00\x00garbage'))
    const truncatedPath = join(dir, 'truncated.gguf')
    const whole = buildTinyGguf()
    await writeFile(truncatedPath, whole.subarray(0, Math.floor(whole.length / 3)))
    const notGguf = join(dir, 'text.gguf')
    await writeFile(notGguf, 'hello')
    for (const path of [garbage, truncatedPath, notGguf]) {
      const provider = createLlmProvider({ provider: 'llamacpp', ggufPath: path, threads: 1 })
      t.after(() => provider.close())
      await assert.rejects(collect(provider, 2), (error: unknown) => {
        return (
          error instanceof HubError &&
          error.code === 'E_DEPENDENCY_UNAVAILABLE' &&
          /not a usable GGUF/.test(error.message)
        )
      })
    }
  })

  test('checkGgufFile reads the tiny model header', async (t) => {
    const dir = await tempDir(t)
    const path = await writeTinyGguf(join(dir, 'tiny.gguf'))
    const summary = await checkGgufFile(path)
    assert.equal(summary.version, 3)
    assert.equal(summary.architecture, 'llama')
    assert.equal(summary.tensorCount, 2 + 9 * 2 + 1)
  })
})

describe('llama.cpp provider: tiny random-weight GGUF', {
  skip: packageAvailable ? false : `${LLAMA_NODE_PACKAGE} not installed`,
}, () => {
  test('streams tokens then done with usage', async (t) => {
    const dir = await tempDir(t)
    const path = await writeTinyGguf(join(dir, 'tiny.gguf'))
    const provider = createLlmProvider({
      provider: 'llamacpp',
      ggufPath: path,
      threads: 1,
      contextTokens: 256,
    })
    t.after(() => provider.close())
    assert.equal((await provider.health()).ok, true)
    const parts = await collect(provider, 6)
    const tokens = parts.filter((part) => part.type === 'token')
    assert.ok(tokens.length >= 1 && tokens.length <= 6, `got ${tokens.length} tokens`)
    const done = parts.at(-1)
    assert.ok(done?.type === 'done')
    assert.equal(done.usage.completionTokens, tokens.length)
    assert.ok(done.usage.promptTokens > 0)
    assert.ok(['stop', 'length'].includes(done.finishReason))
    // Two turns in a row reuse the loaded context.
    const again = await collect(provider, 3)
    assert.equal(again.at(-1)?.type, 'done')
  })

  test('abort stops generation and rejects with the reason', async (t) => {
    const dir = await tempDir(t)
    const path = await writeTinyGguf(join(dir, 'tiny.gguf'))
    const provider = createLlmProvider({
      provider: 'llamacpp',
      ggufPath: path,
      threads: 1,
      contextTokens: 256,
    })
    t.after(() => provider.close())
    const controller = new AbortController()
    let seen = 0
    await assert.rejects(async () => {
      for await (const part of provider.chat(
        { messages: [{ role: 'user', content: 'go' }], options: { maxTokens: 200 } },
        controller.signal,
      )) {
        if (part.type === 'token' && ++seen === 2) controller.abort(new Error('cancelled'))
      }
    }, /cancelled/)
    assert.ok(seen >= 2)
  })
})
