// The provider-neutral shape of an LLM: a chat stream of token deltas ending in one `done` part.

export type LlmRole = 'system' | 'user' | 'assistant' | 'tool'

export interface LlmMessage {
  role: LlmRole
  content: string
}

export interface LlmChatOptions {
  temperature?: number
  /** Upper bound on generated tokens (Ollama num_predict, OpenAI max_tokens, llama.cpp n_predict). */
  maxTokens?: number
  topP?: number
  seed?: number
  stop?: string[]
}

export interface LlmChatRequest {
  /** Model name; the provider's configured model when absent. */
  model?: string
  messages: LlmMessage[]
  options?: LlmChatOptions
}

export interface LlmUsage {
  promptTokens: number
  completionTokens: number
  totalDurationMs?: number
  /** True when the server reported no counts and completionTokens is the number of streamed parts. */
  estimated?: boolean
}

/** Why generation stopped: 'stop' (natural end or stop word), 'length' (token limit), or the server's word. */
export type LlmFinishReason = 'stop' | 'length' | (string & {})

export type LlmDelta =
  | { type: 'token'; text: string }
  | { type: 'done'; usage: LlmUsage; finishReason: LlmFinishReason; model: string }

export interface LlmHealth {
  ok: boolean
  provider: LlmProviderName
  /** Base URL or GGUF path that was checked. */
  target: string
  /** Server version when it reports one. */
  version?: string
  /** Models the server lists, when it lists them. */
  models?: string[]
  /** What is wrong and what to start, when not ok. */
  error?: { code: string; message: string }
}

export type LlmProviderName = 'ollama' | 'openai' | 'llamacpp'

export interface LlmProvider {
  readonly name: LlmProviderName
  readonly model: string
  /**
   * Streams token parts, then exactly one `done`. Errors are HubErrors (E_DEPENDENCY_UNAVAILABLE,
   * E_TIMEOUT, E_IO, ...); aborting `signal` closes the connection and rejects with its reason.
   */
  chat(request: LlmChatRequest, signal?: AbortSignal): AsyncIterable<LlmDelta>
  /** One vector per input, in input order. Absent when the provider cannot embed. */
  embed?(inputs: string[], signal?: AbortSignal): Promise<number[][]>
  /** Never throws: reports whether the provider can serve right now. */
  health(signal?: AbortSignal): Promise<LlmHealth>
  /** Frees sockets / native memory. */
  close(): Promise<void>
}
