export { dashboardSkillModule as skillModule } from './skill-module.ts'
