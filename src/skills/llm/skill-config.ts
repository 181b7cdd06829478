// Reads the LLM part of a skill manifest entry (seed 000: `transport: {type: http, base}` plus
// `config: {model, temperature, ...}`) into an LlmConfigInput for resolveLlmConfig.
import { HubError } from '../../contracts/index.ts'
import { type LlmConfigInput, validateLlmConfigInput } from './config.ts'

export interface LlmSkillManifest {
  transport?: { type?: string; base?: string; url?: string } | undefined
  config?: Record<string, unknown> | undefined
}

const KNOWN_KEYS: readonly (keyof LlmConfigInput)[] = [
  'provider',
  'model',
  'embeddingModel',
  'baseUrl',
  'apiKey',
  'ggufPath',
  'threads',
  'contextTokens',
  'temperature',
  'connectTimeoutMs',
  'firstTokenTimeoutMs',
  'idleTimeoutMs',
  'requestTimeoutMs',
  'maxRetries',
  'retryBaseDelayMs',
  'retryMaxDelayMs',
]

/** Keeps the known keys of `config` (others belong to other readers), maps transport.base to baseUrl. */
export function llmConfigFromSkill(skill: LlmSkillManifest): LlmConfigInput {
  const config = skill.config ?? {}
  const picked: Record<string, unknown> = {}
  for (const key of KNOWN_KEYS) if (Object.hasOwn(config, key)) picked[key] = config[key]
  const base = skill.transport?.base ?? skill.transport?.url
  if (picked.baseUrl === undefined && typeof base === 'string') picked.baseUrl = base
  const issues = validateLlmConfigInput(picked, '/config')
  if (issues.length > 0) {
    throw new HubError(
      'E_VALIDATION',
      `invalid LLM skill config: ${issues.map((issue) => issue.message).join('; ')}`,
      {
        details: { issues },
      },
    )
  }
  return picked as LlmConfigInput
}
