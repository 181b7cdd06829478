export type { Firing, TimerListing } from './scheduler.ts'
export { DEFAULT_LATE_GRACE_MS, DEFAULT_MAX_CATCH_UP, DEFAULT_MAX_SLEEP_MS } from './scheduler.ts'
export {
  DEFAULT_SCHEDULER_FILE,
  HEARTBEAT_TIMER_ID,
  schedulerSkillModule as skillModule,
} from './skill-module.ts'
export type { MissedPolicy, TimerDefinition, TimerEvent, TimerKind } from './timer-spec.ts'
export { MISSED_POLICIES, TIMER_EVENTS, TIMER_KINDS } from './timer-spec.ts'
