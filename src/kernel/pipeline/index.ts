export { PipelineRunner } from './pipeline-runner.ts'
