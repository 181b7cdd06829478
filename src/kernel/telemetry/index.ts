export type { TracingHandle } from './start-tracing.ts'
export { startTracing } from './start-tracing.ts'
