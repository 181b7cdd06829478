export type { DoctorCheck, DoctorReport } from './doctor/index.ts'
export { runDoctor } from './doctor/index.ts'
export type { HubOptions, RunningHub, YoungGeneration } from './hub/index.ts'
export {
  checkHubManifest,
  chooseDataDir,
  DEFAULT_MANIFEST_PATH,
  DEFAULT_VOICE_IDLE_MS,
  DEFAULT_WYOMING_PARTIAL_EVENT_MS,
  defaultDataDir,
  HUB_VERSION,
  LEGACY_DATA_DIR,
  openHub,
  referencedTraceIds,
} from './hub/index.ts'
export type {
  ChatInput,
  ChatPart,
  HealthReport,
  HubPort,
  IngestBody,
  PublishReceipt,
  ReplayQuery,
  RunningServer,
  ServerOptions,
  SessionSummary,
  TailListener,
  TailQuery,
  TailSubscription,
} from './server/index.ts'
export {
  AUTH_TOKEN_FILE,
  createServer,
  findRunningServer,
  readServerInfo,
  TOKEN_ENV_VARIABLE,
} from './server/index.ts'
