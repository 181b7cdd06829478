export { DEFAULT_FLITE_BINARY, DEFAULT_FLITE_VOICE, speakWithFlite } from './flite.ts'
export { ttsSkillModule as skillModule } from './skill-module.ts'
export { speakWithWyoming } from './wyoming-tts.ts'
