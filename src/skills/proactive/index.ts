export type { InterruptibilityMode } from './attention-store.ts'
export { INTERRUPTIBILITY_MODES } from './attention-store.ts'
export type { LadderRung, NudgeChannel } from './ladder.ts'
export { DEFAULT_LADDER, NUDGE_CHANNELS } from './ladder.ts'
export {
  DECISION_KEY,
  DEFAULT_ATTENTION_DATABASE,
  proactiveSkillModule as skillModule,
} from './skill-module.ts'
export {
  DEFAULT_COALESCE_WINDOW_SEC,
  DEFAULT_MAX_TOASTS_PER_HOUR,
  DEFAULT_MAX_VOICE_NUDGES_PER_HOUR,
  RATE_WINDOW_MS,
} from './triage.ts'
export type { NudgeSeverity, TriageRule } from './triage-rules.ts'
export { DEFAULT_TRIAGE_RULES } from './triage-rules.ts'
