export type { ChatRequest, ChatServiceOptions } from './chat-service.ts'
export { ChatService, DEFAULT_HISTORY_MESSAGES, DEFAULT_MAX_CHAT_CHARS } from './chat-service.ts'
