export { DEFAULT_POCKETSPHINX_BINARY, startPocketsphinx } from './pocketsphinx.ts'
export { sttSkillModule as skillModule } from './skill-module.ts'
