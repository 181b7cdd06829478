import { booleanSetting, defineSkill, findExecutable, type SkillHealth } from '../../skill-api/index.ts'
import { engineChoiceHealth } from '../../wyoming/index.ts'
import { DEFAULT_FLITE_BINARY, DEFAULT_FLITE_VOICE, FLITE_INSTALL_HINT, speakWithFlite } from './flite.ts'
import { SEED_TTS_TYPES, speakRun } from './tts-step.ts'
import { speakWithWyoming } from './wyoming-tts.ts'

/** What seed 003's voice.tts.requested names: flite's voices (and Piper's usual ones) speak US English. */
const DEFAULT_TTS_LANGUAGE = 'en-us'

/** Engines this module runs; espeak-ng and festival are not built yet (docs/voice.md). */
const ENGINES = ['flite', 'wyoming'] as const
/** Voices compiled into Debian's flite 2.2. */
const FLITE_VOICES = ['slt', 'kal', 'kal16', 'awb', 'rms', 'awb_time'] as const

/**
 * Text to speech: the embedded engine is Debian's flite, whose phone durations become viseme
 * timings; `engine: wyoming` with `uri` uses a Wyoming service (Piper), `voicePreset` naming its
 * voice. The step speaks the answer as the LLM step writes it, sentence by sentence.
 */
export const ttsSkillModule = defineSkill({
  name: 'tts',
  configKeys: ['engine', 'voicePreset', 'binary', 'uri', 'pacing'],
  emits: ['llm.text', 'tts.start', 'tts.audio', 'tts.viseme_timing', 'tts.end'],
  open(context) {
    const engine = String(context.config.engine ?? 'flite')
    const voice = String(context.config.voicePreset ?? DEFAULT_FLITE_VOICE)
    const binary = String(context.config.binary ?? DEFAULT_FLITE_BINARY)
    const uri = typeof context.config.uri === 'string' ? context.config.uri : undefined
    // false sends the audio as fast as it is made and ends the turn then (no barge-in during playback).
    const pacing = booleanSetting(context.config.pacing, true, 'skill.voice.tts config pacing')
    const status = (): SkillHealth => {
      const choice = engineChoiceHealth(engine, ENGINES, uri)
      if (choice !== undefined) return choice
      if (!(FLITE_VOICES as readonly string[]).includes(voice))
        return { state: 'unavailable', reason: `flite has no voice ${voice}; use ${FLITE_VOICES.join(', ')}` }
      if (findExecutable(binary, context.env) === undefined)
        return { state: 'unavailable', reason: `${binary} is not installed: ${FLITE_INSTALL_HINT}` }
      return { state: 'ready' }
    }
    // Seed 003's stored voice events, for a manifest entry that provides them (docs/voice.md).
    const seedTypes = new Set(SEED_TTS_TYPES.filter((type) => context.skill.provides.includes(type)))
    return {
      runtime: {
        status,
        // Speaks the answer while the LLM step writes it (docs/decisions/1509).
        readsAnswerStream: true,
        async invoke(step) {
          await speakRun(
            step,
            (text, signal) =>
              engine === 'wyoming'
                ? speakWithWyoming(uri!, voice, text, signal)
                : speakWithFlite(binary, voice, text, signal),
            { voice, provider: engine, language: DEFAULT_TTS_LANGUAGE, seedTypes, pacing },
          )
        },
      },
    }
  },
})
