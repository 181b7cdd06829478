export type { PipelineRunOptions } from './pipeline-engine.ts'
export { runPipeline } from './pipeline-engine.ts'
export type {
  ChatMessage,
  Condition,
  EmitOptions,
  EventPublisher,
  MemoryItem,
  MetricsSink,
  RetrievedPassage,
  SkillRuntime,
  SkillStatus,
  StepContext,
  StepMetric,
  TurnEmitterPort,
  TurnPart,
  TurnState,
} from './pipeline-types.ts'
export type { TurnEmitterOptions } from './turn-emitter.ts'
export { TurnEmitter } from './turn-emitter.ts'
export { payloadForEmit } from './turn-payloads.ts'
