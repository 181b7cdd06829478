export { wakeSkillModule as skillModule } from './skill-module.ts'
