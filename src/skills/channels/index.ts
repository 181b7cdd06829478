export { channelsSkillModule as skillModule } from './skill-module.ts'
