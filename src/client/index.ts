export type { AnyStoredEnvelope, StoredEnvelope, StoredPayloadOf } from '../contracts/index.ts'
export type { HubErrorBody } from './client-error.ts'
export { HubClientError } from './client-error.ts'
export type { HubClientConfig, HubClientOptions, WebSocketFactory, WebSocketLike } from './client-options.ts'
export {
  DEFAULT_REPLAY_PAGE_SIZE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TAIL_MAX_RETRIES,
  DEFAULT_TAIL_RETRY_DELAY_MS,
} from './client-options.ts'
export type {
  Approval,
  ApproveAnswer,
  ChatOptions,
  ChatStreamPart,
  PublishReceipt,
  ReplayQuery,
} from './hub-client.ts'
export { createHubClient, HubClient } from './hub-client.ts'
export type { LiveTail, TailQuery } from './live-tail.ts'
