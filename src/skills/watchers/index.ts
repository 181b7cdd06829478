export type { FileChange } from './change-buffer.ts'
export { RootWatcher } from './fs-watcher.ts'
export { watchersSkillModule as skillModule } from './skill-module.ts'
