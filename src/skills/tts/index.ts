export { ttsSkillModule as skillModule } from './skill-module.ts'
