export type { ChatRequest, ChatServiceOptions } from './chat/chat-service.ts'
export { ChatService, DEFAULT_HISTORY_MESSAGES, DEFAULT_MAX_CHAT_CHARS } from './chat/chat-service.ts'
export type { BuiltPrompt, PromptInput } from './chat/prompt-builder.ts'
export { buildPrompt, DEFAULT_CONTEXT_TOKENS, DEFAULT_SYSTEM_PROMPT } from './chat/prompt-builder.ts'
export type { HubOptions } from './hub/hub-options.ts'
export { CHAT_PIPELINE_ID, DEFAULT_DATA_DIR, DEFAULT_MANIFEST_PATH } from './hub/hub-options.ts'
export type { RunningHub } from './hub/open-hub.ts'
export { HUB_VERSION, openHub } from './hub/open-hub.ts'
export type { SkillRuntime, StepContext, TurnPart, TurnState } from './pipeline/index.ts'
export { runPipeline, TurnEmitter } from './pipeline/index.ts'
export type {
  ChatInput,
  ChatPart,
  HealthReport,
  HubPort,
  IngestBody,
  Principal,
  PublishReceipt,
  ReplayQuery,
  RunningServer,
  ServerInfo,
  ServerOptions,
  SessionSummary,
  TailListener,
  TailQuery,
  TailSubscription,
} from './server/index.ts'
export {
  AUTH_TOKEN_FILE,
  createServer,
  DEFAULT_HOST,
  DEFAULT_PORT,
  findRunningServer,
  generateToken,
  loadAuthToken,
  readServerInfo,
  SERVER_INFO_FILE,
  serverInfoPath,
  TOKEN_COOKIE,
  TOKEN_ENV_VARIABLE,
  WS_CLOSE_GOING_AWAY,
  WS_CLOSE_SLOW_CONSUMER,
} from './server/index.ts'
export type { SessionSummary as SessionRecord } from './sessions/index.ts'
export { compileStateMachine, SessionRegistry } from './sessions/index.ts'
