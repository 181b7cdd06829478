export type { DataDirChoice } from './data-home.ts'
export {
  chooseDataDir,
  DATA_DIR_ENV_VARIABLE,
  DATA_HOME_FOLDER,
  defaultDataDir,
  LEGACY_DATA_DIR,
  looksLikeHubData,
} from './data-home.ts'
export type { HubOptions } from './hub-options.ts'
export { CHAT_PIPELINE_ID, DEFAULT_MANIFEST_PATH } from './hub-options.ts'
export type { RunningHub } from './open-hub.ts'
export { checkHubManifest, HUB_VERSION, openHub } from './open-hub.ts'
