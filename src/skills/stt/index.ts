export { sttSkillModule as skillModule } from './skill-module.ts'
