export { watchersSkillModule as skillModule } from './skill-module.ts'
