export type { TracingHandle } from './start-tracing.ts'
export { startTracing } from './start-tracing.ts'
export type { ClockMark, KernelTiming, TurnClock } from './turn-timing.ts'
export { clockMark, openTurnClock, timingComment } from './turn-timing.ts'
