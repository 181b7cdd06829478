import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../../contracts/index.ts'
import {
  DEFAULT_FIRST_TOKEN_TIMEOUT_MS,
  DEFAULT_LLM_MODEL,
  DEFAULT_OPENAI_BASE_URL,
  resolveLlmConfig,
  validateLlmConfigInput,
} from './config.ts'
import { normalizeOllamaHost } from './ollama-host.ts'

describe('normalizeOllamaHost (OLLAMA_HOST convention)', () => {
  const cases: Array<[string, string]> = [
    ['', 'http://127.0.0.1:11434'],
    ['127.0.0.1:11434', 'http://127.0.0.1:11434'],
    ['example.com', 'http://example.com:11434'],
    ['example.com:8000', 'http://example.com:8000'],
    [':9999', 'http://127.0.0.1:9999'],
    ['0.0.0.0', 'http://127.0.0.1:11434'],
    ['0.0.0.0:1234', 'http://127.0.0.1:1234'],
    ['http://example.com', 'http://example.com:80'],
    ['https://example.com', 'https://example.com:443'],
    ['https://example.com:8443/ollama/', 'https://example.com:8443/ollama'],
    ['[::1]:5000', 'http://[::1]:5000'],
    ['::1', 'http://[::1]:11434'],
    ['  localhost:7000  ', 'http://localhost:7000'],
  ]
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} -> ${expected}`, () => {
      assert.equal(normalizeOllamaHost(input), expected)
    })
  }

  for (const bad of ['ftp://x', 'host:99999', 'host:abc', 'http://a b', 'x'.repeat(5000)]) {
    test(`rejects ${JSON.stringify(bad.slice(0, 20))}`, () => {
      assert.throws(() => normalizeOllamaHost(bad), HubError)
    })
  }
})

describe('resolveLlmConfig precedence: flag > env > manifest > default', () => {
  test('defaults: ollama on 127.0.0.1:11434 with the default model', () => {
    const config = resolveLlmConfig()
    assert.equal(config.provider, 'ollama')
    assert.equal(config.baseUrl, 'http://127.0.0.1:11434')
    assert.equal(config.baseUrlSource, 'default')
    assert.equal(config.model, DEFAULT_LLM_MODEL)
    assert.equal(config.firstTokenTimeoutMs, DEFAULT_FIRST_TOKEN_TIMEOUT_MS)
    assert.ok(config.threads >= 1)
    assert.ok(Object.isFrozen(config))
  })

  test('manifest beats default, OLLAMA_HOST beats manifest, flag beats OLLAMA_HOST', () => {
    const manifest = { baseUrl: 'http://manifest-host:1111' }
    assert.equal(resolveLlmConfig({ manifest }).baseUrl, 'http://manifest-host:1111')
    const env = { OLLAMA_HOST: 'env-host:2222' }
    const fromEnv = resolveLlmConfig({ manifest, env })
    assert.equal(fromEnv.baseUrl, 'http://env-host:2222')
    assert.equal(fromEnv.baseUrlSource, 'env')
    const fromFlag = resolveLlmConfig({ manifest, env, flags: { baseUrl: 'flag-host' } })
    assert.equal(fromFlag.baseUrl, 'http://flag-host:11434')
    assert.equal(fromFlag.baseUrlSource, 'flag')
  })

  test('an empty OLLAMA_HOST is ignored', () => {
    assert.equal(resolveLlmConfig({ env: { OLLAMA_HOST: '  ' } }).baseUrlSource, 'default')
  })

  test('openai: OPENAI_BASE_URL and OPENAI_API_KEY, flags still win; default is a local server', () => {
    assert.equal(resolveLlmConfig({ manifest: { provider: 'openai' } }).baseUrl, DEFAULT_OPENAI_BASE_URL)
    const env = {
      OPENAI_BASE_URL: 'http://env:9000/v1/',
      OPENAI_API_KEY: 'env-key',
      OLLAMA_HOST: 'ignored:1',
    }
    const config = resolveLlmConfig({
      manifest: { provider: 'openai', baseUrl: 'http://m/v1', apiKey: 'm-key' },
      env,
    })
    assert.equal(config.baseUrl, 'http://env:9000/v1')
    assert.equal(config.apiKey, 'env-key')
    const flagged = resolveLlmConfig({
      manifest: { provider: 'openai' },
      env,
      flags: { baseUrl: 'http://flag/v1', apiKey: 'flag-key' },
    })
    assert.equal(flagged.baseUrl, 'http://flag/v1')
    assert.equal(flagged.apiKey, 'flag-key')
  })

  test('apiKeyEnv names the variable the openai key is read from, and only that one', () => {
    const env = { OPENAI_API_KEY: 'openai-key', LOCALHUB_LLM_API_KEY: 'named-key' }
    const named = resolveLlmConfig({
      manifest: { provider: 'openai', apiKeyEnv: 'LOCALHUB_LLM_API_KEY' },
      env,
    })
    assert.equal(named.apiKey, 'named-key')
    // Named but unset: no key at all rather than OPENAI_API_KEY sent to another server.
    const unset = resolveLlmConfig({
      manifest: { provider: 'openai', apiKeyEnv: 'MISSING_KEY' },
      env: { OPENAI_API_KEY: 'openai-key' },
    })
    assert.equal(unset.apiKey, undefined)
    const flagged = resolveLlmConfig({
      manifest: { provider: 'openai', apiKeyEnv: 'LOCALHUB_LLM_API_KEY' },
      env,
      flags: { apiKey: 'flag-key' },
    })
    assert.equal(flagged.apiKey, 'flag-key', 'a command-line key still wins')
    assert.equal(resolveLlmConfig({ manifest: { apiKeyEnv: 'LOCALHUB_LLM_API_KEY' }, env }).apiKey, undefined)
    assert.throws(
      () => resolveLlmConfig({ manifest: { provider: 'openai', apiKeyEnv: 'sk-abc123' } }),
      (error: { code?: string; message?: string }) =>
        error.code === 'E_VALIDATION' &&
        /apiKeyEnv must name an environment variable/.test(error.message ?? ''),
    )
  })

  test('an API key is never attached to a non-OpenAI provider', () => {
    assert.equal(resolveLlmConfig({ env: { OPENAI_API_KEY: 'secret' } }).apiKey, undefined)
  })

  test('flags choose the provider and model over the manifest', () => {
    const config = resolveLlmConfig({
      manifest: { provider: 'openai', model: 'a' },
      flags: { provider: 'llamacpp', model: 'b', ggufPath: '/m.gguf', threads: 3 },
    })
    assert.equal(config.provider, 'llamacpp')
    assert.equal(config.model, 'b')
    assert.equal(config.embeddingModel, 'b')
    assert.equal(config.threads, 3)
  })

  test('an invalid OLLAMA_HOST is an E_VALIDATION that names OLLAMA_HOST', () => {
    assert.throws(
      () => resolveLlmConfig({ env: { OLLAMA_HOST: 'host:notaport' } }),
      (error: unknown) =>
        error instanceof HubError && error.code === 'E_VALIDATION' && error.message.includes('OLLAMA_HOST'),
    )
  })

  test('an invalid OPENAI_BASE_URL is an E_VALIDATION', () => {
    assert.throws(
      () => resolveLlmConfig({ manifest: { provider: 'openai' }, env: { OPENAI_BASE_URL: 'not a url' } }),
      (error: unknown) => error instanceof HubError && error.code === 'E_VALIDATION',
    )
  })
})

describe('validateLlmConfigInput', () => {
  test('reports every problem with a JSON pointer', () => {
    const issues = validateLlmConfigInput(
      { provider: 'gpt', model: 5, threads: 0, temperature: Number.NaN, maxRetries: 1.5, ggufPath: '' },
      '/manifest',
    )
    assert.deepEqual(issues.map((issue) => issue.path).sort(), [
      '/manifest/ggufPath',
      '/manifest/maxRetries',
      '/manifest/model',
      '/manifest/provider',
      '/manifest/temperature',
      '/manifest/threads',
    ])
    for (const issue of issues) assert.ok(issue.expected.length > 0 && issue.message.length > 0)
  })

  test('hostile shapes are issues, not crashes', () => {
    for (const value of [null, 'x', 42, [], ['provider']]) {
      assert.equal(validateLlmConfigInput(value).length, 1)
    }
    const hostile = JSON.parse('{"__proto__":{"provider":"evil"},"constructor":{"x":1}}')
    assert.deepEqual(validateLlmConfigInput(hostile), [])
    assert.equal(resolveLlmConfig({ manifest: hostile }).provider, 'ollama')
  })

  test('resolveLlmConfig throws E_VALIDATION carrying the issues', () => {
    assert.throws(
      () => resolveLlmConfig({ flags: { threads: -1 } }),
      (error: unknown) =>
        error instanceof HubError &&
        error.code === 'E_VALIDATION' &&
        error.details?.issues?.[0]?.path === '/flags/threads',
    )
  })
})

describe('llmConfigFromSkill', () => {
  test('maps the seed manifest entry: transport.base -> baseUrl, config.model/temperature kept', async () => {
    const { llmConfigFromSkill } = await import('./skill-config.ts')
    const input = llmConfigFromSkill({
      transport: { type: 'http', base: 'http://localhost:11434' },
      config: { model: 'llama3.2', temperature: 0.4, unrelated: true },
    })
    assert.deepEqual(input, { model: 'llama3.2', temperature: 0.4, baseUrl: 'http://localhost:11434' })
    const config = resolveLlmConfig({ manifest: input, env: { OLLAMA_HOST: 'elsewhere:1' } })
    assert.equal(config.baseUrl, 'http://elsewhere:1')
  })

  test('bad values are E_VALIDATION with /config pointers', async () => {
    const { llmConfigFromSkill } = await import('./skill-config.ts')
    assert.throws(
      () => llmConfigFromSkill({ config: { temperature: 'hot' } }),
      (error: unknown) =>
        error instanceof HubError && error.details?.issues?.[0]?.path === '/config/temperature',
    )
  })
})
