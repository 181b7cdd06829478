// The provider-neutral shape of an LLM: a chat stream of token deltas ending in one `done` part.

export type LlmRole = 'system' | 'user' | 'assistant' | 'tool'

/** A function the model may call (OpenAI's definition shape; Ollama accepts the same in `tools`). */
export interface LlmToolDefinition {
  type: 'function'
  function: {
    name: string
    description: string
    /** JSON Schema of the arguments object. */
    parameters: Record<string, unknown>
  }
}

/** A call the model proposed; `arguments` is already parsed. */
export interface LlmToolCall {
  /** The server's id (OpenAI), or `call_<n>` (n = position in the answer) when it sends none (Ollama). */
  id: string
  name: string
  arguments: Record<string, unknown>
}

export interface LlmMessage {
  role: LlmRole
  /** May be '' on an assistant message that only calls tools. */
  content: string
  /** Assistant messages: the calls the model made in that answer. */
  toolCalls?: LlmToolCall[]
  /** Tool messages: the id of the call this result answers (OpenAI needs it). */
  toolCallId?: string
  /** Tool messages: the called function's name (Ollama's `tool_name`). */
  name?: string
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
  /** Functions the model may call; it answers with `tool_call` parts instead of text when it does. */
  tools?: LlmToolDefinition[]
  /** Filled by HTTP providers (performance.now() ms) so the hub can tell its own time from the model's. */
  marks?: LlmRequestMarks
}

/**
 * When the model request left (its body handed to the socket) and when the bytes of the first token
 * reached the provider's reader. Only the first of each is kept: a retry's or a later tool round's
 * request does not move them.
 */
export interface LlmRequestMarks {
  sentAt?: number
  firstTokenAt?: number
  /** The process's CPU time (user + system, µs) at the same two moments. */
  sentCpuUs?: number
  firstTokenCpuUs?: number
}

export interface LlmUsage {
  promptTokens: number
  completionTokens: number
  totalDurationMs?: number
  /** True when the server reported no counts and completionTokens is the number of streamed parts. */
  estimated?: boolean
}

/**
 * Why generation stopped: 'stop' (natural end or stop word), 'length' (token limit), 'tool_calls' (the
 * model stopped to call tools), or the server's word.
 */
export type LlmFinishReason = 'stop' | 'length' | 'tool_calls' | (string & {})

export type LlmDelta =
  | { type: 'token'; text: string }
  /** One complete tool call (arguments parsed), sent before `done`. */
  | { type: 'tool_call'; id: string; name: string; arguments: Record<string, unknown> }
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
   * Streams token parts (and `tool_call` parts when `tools` were offered), then exactly one `done`.
   * Errors are HubErrors (E_DEPENDENCY_UNAVAILABLE, E_TIMEOUT, E_IO, E_VALIDATION for malformed tool
   * arguments, ...); aborting `signal` closes the connection and rejects with its reason.
   */
  chat(request: LlmChatRequest, signal?: AbortSignal): AsyncIterable<LlmDelta>
  /** One vector per input, in input order. Absent when the provider cannot embed. */
  embed?(inputs: string[], signal?: AbortSignal): Promise<number[][]>
  /** Never throws: reports whether the provider can serve right now. */
  health(signal?: AbortSignal): Promise<LlmHealth>
  /** Frees sockets / native memory. */
  close(): Promise<void>
}
