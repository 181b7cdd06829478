// Shared test kit: loopback servers that speak the Ollama and OpenAI protocols, and a tiny GGUF.

export type { ChunkingOptions, LoopbackServer, RecordedRequest } from './loopback-server.ts'
export {
  BodyWriter,
  DEFAULT_MAX_REQUEST_BYTES,
  delay,
  killConnection,
  startLoopbackServer,
} from './loopback-server.ts'
export type { FakeOllamaServer } from './ollama-server.ts'
export { FAKE_OLLAMA_VERSION, startOllamaServer } from './ollama-server.ts'
export type { FakeOpenAiServer, FakeOpenAiServerOptions } from './openai-server.ts'
export { startOpenAiServer, TOOL_ARGUMENT_PIECE_CHARS } from './openai-server.ts'
export type {
  ReplyScript,
  ScriptedToolCall,
  ScriptMessage,
  ScriptMessageToolCall,
  ScriptRequest,
  Tokenizer,
  ToolCallScript,
} from './script.ts'
export { echoReply, fakeEmbedding, promptTokenCount, seededRandom, wordTokens } from './script.ts'
export type { FakeLlmServerOptions, ScriptedFailure } from './server-options.ts'
export { DEFAULT_EMBEDDING_DIMENSIONS, DEFAULT_FAKE_MODELS } from './server-options.ts'
export type { TinyGgufOptions } from './tiny-gguf.ts'
export { buildTinyGguf, DEFAULT_TINY_GGUF_OPTIONS, writeTinyGguf } from './tiny-gguf.ts'
