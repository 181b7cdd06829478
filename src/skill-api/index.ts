export {
  AnswerStream,
  answerStreamOf,
  attachAnswerStream,
  recordSpokenAnswer,
  spokenAnswerOf,
} from './answer-stream.ts'
export { booleanSetting } from './config-settings.ts'
export { defineSkill, isSkillModule } from './define-skill.ts'
export { findExecutable } from './find-executable.ts'
export type { RunInbox } from './run-inbox.ts'
export { attachRunInbox, runInbox } from './run-inbox.ts'
export type {
  ChatMessage,
  MemoryItem,
  RetrievedPassage,
  RunPart,
  RunState,
  RunTrigger,
} from './run-state.ts'
export { createRunState } from './run-state.ts'
export type {
  ConsentPort,
  EmbeddingPort,
  HealthProbe,
  McpServersPort,
  OfferedSkillTools,
  SearchPort,
  SkillLifecyclePort,
  SkillToolsPort,
  ToolDefinition,
  ToolPort,
} from './services.ts'
export { SERVICE_NAMES } from './services.ts'
export type {
  Condition,
  EmitOptions,
  MetricsSink,
  OpenedSkill,
  RunEmitter,
  SkillContext,
  SkillHealth,
  SkillLogger,
  SkillModule,
  SkillRoutes,
  SkillRuntime,
  SkillServices,
  SkillStatus,
  SkillSubscription,
  StepContext,
  StepMetric,
} from './skill-module.ts'
