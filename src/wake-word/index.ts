export { HandsFreeControl, type HandsFreeState, VOICE_SETTINGS_FILE_NAME } from './hands-free-control.ts'
export { HANDS_FREE_SERVICE, type HandsFreeService } from './hands-free-service.ts'
export { KeywordSpotter, WAKE_SAMPLE_RATE_HZ } from './keyword-spotter.ts'
export { WAKE_WORD_INSTALL_HINT } from './pocketsphinx-library.ts'
export { dictionaryInstalled } from './pronouncing-dictionary.ts'
export { DEFAULT_VOICE_MODE, parseVoiceMode, VOICE_MODES } from './voice-modes.ts'
export {
  DEFAULT_TALK_SILENCE_MS,
  DEFAULT_WAKE_PRE_ROLL_MS,
  MAX_WAKE_PRE_ROLL_MS,
  type UtteranceSink,
  WakeListener,
} from './wake-listener.ts'
export { DEFAULT_WAKE_PHRASES, validateWakePhrases } from './wake-phrases.ts'
