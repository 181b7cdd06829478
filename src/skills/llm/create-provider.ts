// Picks the provider named by the resolved config: ollama | openai | llamacpp.
import { type LlmConfig, type LlmConfigInput, type LlmEnvironment, resolveLlmConfig } from './config.ts'
import { createLlamaCppProvider, type LoadLlamaModule } from './llamacpp-provider.ts'
import { createOllamaProvider } from './ollama-provider.ts'
import { createOpenAiProvider } from './openai-provider.ts'
import type { LlmProvider } from './types.ts'

export interface CreateLlmProviderOptions {
  /** Command-line overrides; they win over env and manifest. */
  flags?: LlmConfigInput
  /** Replaces the import of @fugood/llama.node (tests, or a different build of it). */
  loadLlamaModule?: LoadLlamaModule
}

/**
 * Builds a provider from the manifest's LLM config (`transport.base` mapped to `baseUrl`) and the
 * environment (OLLAMA_HOST, OPENAI_BASE_URL, OPENAI_API_KEY). Nothing connects until the first call.
 */
export function createLlmProvider(
  manifest: LlmConfigInput = {},
  env: LlmEnvironment = {},
  options: CreateLlmProviderOptions = {},
): LlmProvider {
  const config = resolveLlmConfig({ manifest, env, flags: options.flags })
  return providerFor(config, options)
}

/** Builds a provider from an already resolved config. */
export function providerFor(config: LlmConfig, options: CreateLlmProviderOptions = {}): LlmProvider {
  switch (config.provider) {
    case 'ollama':
      return createOllamaProvider(config)
    case 'openai':
      return createOpenAiProvider(config)
    case 'llamacpp':
      return createLlamaCppProvider(
        config,
        options.loadLlamaModule === undefined ? {} : { loadModule: options.loadLlamaModule },
      )
  }
}
