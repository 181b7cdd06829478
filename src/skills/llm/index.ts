export { AsyncQueue } from './async-queue.ts'
export type { LlmConfig, LlmConfigInput, LlmConfigSources, LlmEnvironment } from './config.ts'
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_FIRST_TOKEN_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_LLAMACPP_CONTEXT_TOKENS,
  DEFAULT_LLAMACPP_MAX_THREADS,
  DEFAULT_LLM_MODEL,
  DEFAULT_LLM_PROVIDER,
  DEFAULT_MAX_RETRIES,
  DEFAULT_OPENAI_BASE_URL,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_BASE_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  LLM_PROVIDER_NAMES,
  resolveLlmConfig,
  validateLlmConfigInput,
} from './config.ts'
export type { CreateLlmProviderOptions } from './create-provider.ts'
export { createLlmProvider, providerFor } from './create-provider.ts'
export type { GgufSummary } from './gguf-check.ts'
export { checkGgufFile } from './gguf-check.ts'
export type { LlamaContextLike, LlamaModuleLike, LoadLlamaModule } from './llamacpp-provider.ts'
export {
  createLlamaCppProvider,
  LLAMA_NODE_PACKAGE,
  llamaNodeLoader,
  loadLlamaNode,
} from './llamacpp-provider.ts'
export { createLlmStep } from './llm-step.ts'
export { DEFAULT_MAX_LINE_CHARS, NdjsonParser } from './ndjson-parser.ts'
export { DEFAULT_OLLAMA_HOST, DEFAULT_OLLAMA_PORT, normalizeOllamaHost } from './ollama-host.ts'
export { createOllamaProvider } from './ollama-provider.ts'
export { createOpenAiProvider } from './openai-provider.ts'
export type { LlmSkillManifest } from './skill-config.ts'
export { llmConfigFromSkill } from './skill-config.ts'
export { llmInputOf, llmSkillModule as skillModule } from './skill-module.ts'
export type { SseEvent } from './sse-parser.ts'
export { DEFAULT_MAX_EVENT_CHARS, SseParser } from './sse-parser.ts'
export { DEFAULT_MAX_TOOL_ARGUMENTS_CHARS, DEFAULT_MAX_TOOL_CALLS } from './tool-calls.ts'
export type {
  LlmChatOptions,
  LlmChatRequest,
  LlmDelta,
  LlmFinishReason,
  LlmHealth,
  LlmMessage,
  LlmProvider,
  LlmProviderName,
  LlmRole,
  LlmToolCall,
  LlmToolDefinition,
  LlmUsage,
} from './types.ts'
