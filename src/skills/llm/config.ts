// LLM configuration: one frozen object resolved from command-line flags > environment > manifest >
// defaults (docs/decisions/0400). Validation problems are reported as ValidationIssues.
import { availableParallelism } from 'node:os'
import { HubError, type ValidationIssue } from '../../contracts/index.ts'
import { DEFAULT_OLLAMA_HOST, normalizeOllamaHost } from './ollama-host.ts'
import type { LlmProviderName } from './types.ts'

export const LLM_PROVIDER_NAMES: readonly LlmProviderName[] = Object.freeze(['ollama', 'openai', 'llamacpp'])
export const DEFAULT_LLM_PROVIDER: LlmProviderName = 'ollama'
export const DEFAULT_LLM_MODEL = 'llama3.2'
// A local llama.cpp `llama-server`: the hub never talks to a cloud API unless told to.
export const DEFAULT_OPENAI_BASE_URL = 'http://127.0.0.1:8080/v1'
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000
// Ollama loads the model on the first request, which can take a while on CPU.
export const DEFAULT_FIRST_TOKEN_TIMEOUT_MS = 120_000
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000
export const DEFAULT_MAX_RETRIES = 2
export const DEFAULT_RETRY_BASE_DELAY_MS = 250
export const DEFAULT_RETRY_MAX_DELAY_MS = 4_000
export const DEFAULT_LLAMACPP_MAX_THREADS = 4
export const DEFAULT_LLAMACPP_CONTEXT_TOKENS = 4_096
/** Read for the openai provider's key when the manifest names no apiKeyEnv. */
export const DEFAULT_API_KEY_ENV = 'OPENAI_API_KEY'
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/

/** What the manifest (skill config + transport base) or the command line may set. */
export interface LlmConfigInput {
  provider?: LlmProviderName
  model?: string
  /** Model for embed(); the chat model when absent. */
  embeddingModel?: string
  baseUrl?: string
  apiKey?: string
  /**
   * The environment variable that holds the openai provider's API key (manifest `llm.apiKeyEnv`).
   * When named, only that variable is read: another server never gets OPENAI_API_KEY by accident.
   */
  apiKeyEnv?: string
  ggufPath?: string
  threads?: number
  contextTokens?: number
  temperature?: number
  connectTimeoutMs?: number
  firstTokenTimeoutMs?: number
  idleTimeoutMs?: number
  requestTimeoutMs?: number
  maxRetries?: number
  retryBaseDelayMs?: number
  retryMaxDelayMs?: number
}

export interface LlmConfig {
  readonly provider: LlmProviderName
  readonly model: string
  readonly embeddingModel: string
  /** Ollama or OpenAI-compatible base URL (unused by llamacpp). */
  readonly baseUrl: string
  readonly apiKey: string | undefined
  /** The environment variable the key is read from (named in error hints). */
  readonly apiKeyEnv: string
  readonly ggufPath: string | undefined
  readonly threads: number
  readonly contextTokens: number
  readonly temperature: number | undefined
  readonly connectTimeoutMs: number
  readonly firstTokenTimeoutMs: number
  readonly idleTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly maxRetries: number
  readonly retryBaseDelayMs: number
  readonly retryMaxDelayMs: number
  /** Where the base URL came from, for error messages ("from OLLAMA_HOST"). */
  readonly baseUrlSource: 'flag' | 'env' | 'manifest' | 'default'
}

export type LlmEnvironment = Readonly<Record<string, string | undefined>>

export interface LlmConfigSources {
  manifest?: LlmConfigInput
  env?: LlmEnvironment
  flags?: LlmConfigInput
}

const NUMBER_FIELDS = [
  ['threads', 1, 1024],
  ['contextTokens', 16, 1_048_576],
  ['temperature', 0, 100],
  ['connectTimeoutMs', 1, 3_600_000],
  ['firstTokenTimeoutMs', 1, 86_400_000],
  ['idleTimeoutMs', 1, 86_400_000],
  ['requestTimeoutMs', 1, 86_400_000],
  ['maxRetries', 0, 20],
  ['retryBaseDelayMs', 0, 600_000],
  ['retryMaxDelayMs', 0, 600_000],
] as const

const STRING_FIELDS = ['model', 'embeddingModel', 'baseUrl', 'apiKey', 'ggufPath'] as const

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'array' : 'object'
}

/** Checks one input object; returns every problem rather than the first. */
export function validateLlmConfigInput(input: unknown, pointer = ''): ValidationIssue[] {
  if (input === undefined) return []
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return [
      { path: pointer, expected: 'object', got: describe(input), message: 'LLM config must be an object' },
    ]
  }
  const record = input as Record<string, unknown>
  const issues: ValidationIssue[] = []
  const provider = record.provider
  if (provider !== undefined && !LLM_PROVIDER_NAMES.includes(provider as LlmProviderName)) {
    issues.push({
      path: `${pointer}/provider`,
      expected: LLM_PROVIDER_NAMES.join(' | '),
      got: describe(provider),
      message: `provider must be one of ${LLM_PROVIDER_NAMES.join(', ')}`,
    })
  }
  for (const field of STRING_FIELDS) {
    const value = record[field]
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 4096)) {
      issues.push({
        path: `${pointer}/${field}`,
        expected: 'non-empty string (≤ 4096 characters)',
        got: describe(value),
        message: `${field} must be a non-empty string`,
      })
    }
  }
  const keyEnv = record.apiKeyEnv
  if (keyEnv !== undefined && (typeof keyEnv !== 'string' || !ENV_NAME.test(keyEnv) || keyEnv.length > 256)) {
    issues.push({
      path: `${pointer}/apiKeyEnv`,
      expected: 'an environment variable name (A-Z, 0-9, _)',
      got: describe(keyEnv),
      message: 'apiKeyEnv must name an environment variable, not hold the key',
    })
  }
  for (const [field, minimum, maximum] of NUMBER_FIELDS) {
    const value = record[field]
    if (value === undefined) continue
    const integer = field !== 'temperature'
    const valid =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= minimum &&
      value <= maximum &&
      (!integer || Number.isInteger(value))
    if (!valid) {
      issues.push({
        path: `${pointer}/${field}`,
        expected: `${integer ? 'integer' : 'number'} in [${minimum}, ${maximum}]`,
        got: describe(value),
        message: `${field} must be ${integer ? 'an integer' : 'a number'} between ${minimum} and ${maximum}`,
      })
    }
  }
  return issues
}

function pick<K extends keyof LlmConfigInput>(
  key: K,
  ...layers: (LlmConfigInput | undefined)[]
): LlmConfigInput[K] {
  for (const layer of layers) {
    const value = layer?.[key]
    if (value !== undefined) return value
  }
  return undefined
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

function resolveBaseUrl(
  provider: LlmProviderName,
  flags: LlmConfigInput | undefined,
  env: LlmEnvironment,
  manifest: LlmConfigInput | undefined,
): { baseUrl: string; source: LlmConfig['baseUrlSource'] } {
  const envValue = nonEmpty(provider === 'openai' ? env.OPENAI_BASE_URL : env.OLLAMA_HOST)
  const candidates: Array<[string | undefined, LlmConfig['baseUrlSource']]> = [
    [flags?.baseUrl, 'flag'],
    [provider === 'llamacpp' ? undefined : envValue, 'env'],
    [manifest?.baseUrl, 'manifest'],
    [provider === 'openai' ? DEFAULT_OPENAI_BASE_URL : DEFAULT_OLLAMA_HOST, 'default'],
  ]
  const [value, source] = candidates.find(([candidate]) => candidate !== undefined) as [
    string,
    LlmConfig['baseUrlSource'],
  ]
  if (provider === 'openai') return { baseUrl: normalizeHttpUrl(value, source), source }
  try {
    return { baseUrl: normalizeOllamaHost(value), source }
  } catch (error) {
    const from = source === 'env' ? 'OLLAMA_HOST' : source
    throw new HubError('E_VALIDATION', `Ollama host from ${from}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

function normalizeHttpUrl(value: string, source: string): string {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch (error) {
    throw new HubError('E_VALIDATION', `OpenAI base URL from ${source} is not a URL: ${describe(value)}`, {
      cause: error,
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HubError(
      'E_VALIDATION',
      `OpenAI base URL from ${source} must be http or https: ${describe(value)}`,
    )
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

/** Merges the layers (flag > env > manifest > default), validates and freezes. */
export function resolveLlmConfig(sources: LlmConfigSources = {}): LlmConfig {
  const { manifest, flags } = sources
  const env = sources.env ?? {}
  const issues = [
    ...validateLlmConfigInput(manifest, '/manifest'),
    ...validateLlmConfigInput(flags, '/flags'),
  ]
  if (issues.length > 0) {
    throw new HubError(
      'E_VALIDATION',
      `invalid LLM config: ${issues.map((issue) => issue.message).join('; ')}`,
      {
        details: { issues },
      },
    )
  }
  const provider = pick('provider', flags, manifest) ?? DEFAULT_LLM_PROVIDER
  const { baseUrl, source } = resolveBaseUrl(provider, flags, env, manifest)
  const apiKeyEnv = pick('apiKeyEnv', flags, manifest) ?? DEFAULT_API_KEY_ENV
  const apiKey = pick('apiKey', flags) ?? nonEmpty(env[apiKeyEnv]) ?? pick('apiKey', manifest)
  const number = <K extends (typeof NUMBER_FIELDS)[number][0]>(key: K, fallback: number): number =>
    (pick(key, flags, manifest) as number | undefined) ?? fallback
  const model = pick('model', flags, manifest) ?? DEFAULT_LLM_MODEL
  const config: LlmConfig = {
    provider,
    model,
    embeddingModel: pick('embeddingModel', flags, manifest) ?? model,
    baseUrl,
    baseUrlSource: source,
    apiKey: provider === 'openai' ? apiKey : undefined,
    apiKeyEnv,
    ggufPath: pick('ggufPath', flags, manifest),
    threads: number('threads', Math.max(1, Math.min(DEFAULT_LLAMACPP_MAX_THREADS, availableParallelism()))),
    contextTokens: number('contextTokens', DEFAULT_LLAMACPP_CONTEXT_TOKENS),
    temperature: pick('temperature', flags, manifest),
    connectTimeoutMs: number('connectTimeoutMs', DEFAULT_CONNECT_TIMEOUT_MS),
    firstTokenTimeoutMs: number('firstTokenTimeoutMs', DEFAULT_FIRST_TOKEN_TIMEOUT_MS),
    idleTimeoutMs: number('idleTimeoutMs', DEFAULT_IDLE_TIMEOUT_MS),
    requestTimeoutMs: number('requestTimeoutMs', DEFAULT_REQUEST_TIMEOUT_MS),
    maxRetries: number('maxRetries', DEFAULT_MAX_RETRIES),
    retryBaseDelayMs: number('retryBaseDelayMs', DEFAULT_RETRY_BASE_DELAY_MS),
    retryMaxDelayMs: number('retryMaxDelayMs', DEFAULT_RETRY_MAX_DELAY_MS),
  }
  return Object.freeze(config)
}
