export { mcpSkillModule as skillModule } from './skill-module.ts'
