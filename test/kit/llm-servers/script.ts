// The deterministic "model" behind the fake servers: the reply is a function of the request, so a
// test can check both what was sent (the prompt) and what came back.
import { createHash } from 'node:crypto'

/** A tool call as the script sees it in the conversation (arguments parsed in both protocols). */
export interface ScriptMessageToolCall {
  /** OpenAI's call id; Ollama sends none. */
  id?: string
  name: string
  arguments: Record<string, unknown>
}

export interface ScriptMessage {
  role: string
  content: string
  /** Assistant messages: the tool calls the client sent back as part of the conversation. */
  toolCalls?: ScriptMessageToolCall[]
  /** Tool messages (OpenAI): the call this result answers. */
  toolCallId?: string
  /** Tool messages (Ollama `tool_name`): the function that produced this result. */
  toolName?: string
}

/** What a fake server understood of a chat request. */
export interface ScriptRequest {
  model: string
  messages: ScriptMessage[]
  /** Token limit the client asked for (num_predict / max_tokens), when any. */
  maxTokens?: number
  /** The tool definitions the client offered, as sent. */
  tools?: unknown[]
}

export type ReplyScript = (request: ScriptRequest) => string

/** A call the scripted model makes; the server adds ids where its protocol has them. */
export interface ScriptedToolCall {
  name: string
  arguments: Record<string, unknown>
}

/** Decides whether the model answers with tool calls (non-empty list) instead of text. */
export type ToolCallScript = (
  request: ScriptRequest & { tools?: unknown[] },
) => ScriptedToolCall[] | undefined
export type Tokenizer = (text: string) => string[]

/** Default reply: echoes the last user message, and says how many messages the prompt had. */
export const echoReply: ReplyScript = (request) => {
  const lastUser = [...request.messages].reverse().find((message) => message.role === 'user')
  return `You said: ${lastUser?.content ?? ''} (${request.messages.length} messages)`
}

/** Splits text into word tokens, each keeping its leading whitespace, like most BPE vocabularies. */
export const wordTokens: Tokenizer = (text) => text.match(/\s*\S+|\s+$/g) ?? []

/** Prompt size in the same word tokens, so usage numbers are checkable. */
export function promptTokenCount(messages: ScriptMessage[], tokenize: Tokenizer = wordTokens): number {
  return messages.reduce((sum, message) => sum + tokenize(message.content).length, 0)
}

/** A unit vector derived from the text's sha256: equal texts give equal vectors. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const values: number[] = []
  let block = createHash('sha256').update(text).digest()
  let offset = 0
  while (values.length < dimensions) {
    if (offset + 2 > block.length) {
      block = createHash('sha256').update(block).digest()
      offset = 0
    }
    values.push(block.readInt16LE(offset) / 32768)
    offset += 2
  }
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0)) || 1
  return values.map((value) => value / norm)
}

/** mulberry32, for reproducible chunk sizes. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}
