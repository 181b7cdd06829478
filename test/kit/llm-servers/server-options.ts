// Options both fake servers understand. Every misbehaviour a real server can show has a switch.
import type { ChunkingOptions } from './loopback-server.ts'
import { echoReply, type ReplyScript, type Tokenizer, type ToolCallScript, wordTokens } from './script.ts'

export interface ScriptedFailure {
  status: number
  /** Sent as is when a string, as JSON otherwise. */
  body: string | object
  /** Only the first `times` chat requests fail (then the server behaves); all of them when absent. */
  times?: number
  headers?: Record<string, string>
}

export interface FakeLlmServerOptions {
  /** Reply text as a function of the request (default: echo of the last user message). */
  reply?: ReplyScript
  /**
   * When it returns calls, the model answers with them (in the protocol's streaming form) instead of
   * text; `undefined` or an empty list means a text answer from `reply`.
   */
  toolCalls?: ToolCallScript
  /** Splits the reply into streamed tokens (default: words with their leading whitespace). */
  tokenize?: Tokenizer
  /** Models the server has; others get the protocol's "not found" answer. */
  models?: string[]
  /** Split the streamed body at arbitrary byte offsets, with pauses. */
  chunking?: ChunkingOptions
  /** Wait this long (after the response head) before the first token. */
  firstTokenDelayMs?: number
  /** Wait this long between tokens. */
  tokenDelayMs?: number
  /** Kill the socket after this many tokens (0: right after the head). */
  disconnectAfterTokens?: number
  /** Send the protocol's in-stream error object after this many tokens. */
  errorAfterTokens?: { tokens: number; message: string }
  /** End the body cleanly after this many tokens, without the final message (a truncated stream). */
  truncateAfterTokens?: number
  /** Answer chat requests with this status and body instead of streaming. */
  failWith?: ScriptedFailure
  /** Length of the fake embedding vectors. */
  embeddingDimensions?: number
}

export const DEFAULT_FAKE_MODELS: readonly string[] = Object.freeze(['tiny'])
export const DEFAULT_EMBEDDING_DIMENSIONS = 8

export interface ResolvedServerOptions extends FakeLlmServerOptions {
  reply: ReplyScript
  tokenize: Tokenizer
  models: string[]
  embeddingDimensions: number
}

export function resolveServerOptions(options: FakeLlmServerOptions): ResolvedServerOptions {
  return {
    ...options,
    reply: options.reply ?? echoReply,
    tokenize: options.tokenize ?? wordTokens,
    models: [...(options.models ?? DEFAULT_FAKE_MODELS)],
    embeddingDimensions: options.embeddingDimensions ?? DEFAULT_EMBEDDING_DIMENSIONS,
  }
}

/** Counts chat requests to decide whether a scripted failure still applies. */
export function failureFor(options: FakeLlmServerOptions, chatIndex: number): ScriptedFailure | undefined {
  const failure = options.failWith
  if (failure === undefined) return undefined
  return failure.times === undefined || chatIndex < failure.times ? failure : undefined
}
