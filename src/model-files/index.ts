export { pullModelFile } from './download-model.ts'
export { listModelFiles, removeModelFile, resolveModelFile } from './model-store.ts'
