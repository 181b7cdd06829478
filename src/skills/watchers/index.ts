export type { ChangeKind, FileChange } from './change-buffer.ts'
export {
  ChangeBuffer,
  DEFAULT_DEBOUNCE_MS,
  DEFAULT_MAX_PENDING_PATHS,
  DEFAULT_STORM_SUMMARY_EVERY_MS,
} from './change-buffer.ts'
export { DEFAULT_READY_WAIT_MS, DEFAULT_ROOT_CHECK_EVERY_MS } from './fs-watcher.ts'
export { watchersSkillModule as skillModule } from './skill-module.ts'
export type { SystemMetric } from './system-watcher.ts'
export {
  DEFAULT_HYSTERESIS,
  DEFAULT_REPORT_EVERY_SEC,
  DEFAULT_SAMPLE_EVERY_SEC,
  DEFAULT_THRESHOLDS,
  SYSTEM_METRICS,
} from './system-watcher.ts'
