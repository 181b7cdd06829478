export { schedulerSkillModule as skillModule } from './skill-module.ts'
