export type { DoctorCheck, DoctorReport } from './doctor/index.ts'
export { findExecutable, runDoctor } from './doctor/index.ts'
export type { HubOptions, RunningHub } from './hub/index.ts'
export {
  CHAT_PIPELINE_ID,
  checkHubManifest,
  chooseDataDir,
  DEFAULT_MANIFEST_PATH,
  defaultDataDir,
  HUB_VERSION,
  LEGACY_DATA_DIR,
  openHub,
} from './hub/index.ts'
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
