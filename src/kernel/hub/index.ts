export type { HubOptions } from './hub-options.ts'
export { CHAT_PIPELINE_ID, DEFAULT_DATA_DIR, DEFAULT_MANIFEST_PATH } from './hub-options.ts'
export type { RunningHub } from './open-hub.ts'
export { checkHubManifest, HUB_VERSION, openHub } from './open-hub.ts'
