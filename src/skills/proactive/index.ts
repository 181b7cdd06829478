export { proactiveSkillModule as skillModule } from './skill-module.ts'
