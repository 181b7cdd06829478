import { join } from 'node:path'
import { type Envelope, HubError } from '../../contracts/index.ts'
import { defineSkill, type SkillHealth } from '../../skill-api/index.ts'
import {
  DEFAULT_TALK_SILENCE_MS,
  DEFAULT_VOICE_MODE,
  DEFAULT_WAKE_PHRASES,
  DEFAULT_WAKE_PRE_ROLL_MS,
  dictionaryInstalled,
  HANDS_FREE_SERVICE,
  HandsFreeControl,
  type HandsFreeService,
  MAX_WAKE_PRE_ROLL_MS,
  parseVoiceMode,
  VOICE_SETTINGS_FILE_NAME,
  validateWakePhrases,
  WAKE_WORD_INSTALL_HINT,
} from '../../wake-word/index.ts'

import { wakeRoutes } from './wake-routes.ts'

function boundedInteger(value: unknown, fallback: number, min: number, max: number, key: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new HubError(
      'E_VALIDATION',
      `wake: ${key} is an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    )
  return value
}

/**
 * Hands-free voice: the mode (off, push_to_talk, wake_word, talk) and the wake phrases, from the
 * manifest until the person changes them (saved in the data directory), served at /voice/mode and
 * /voice/wake-words, muted while interruptibility is `dnd`. The kernel's `/ws/voice/listen` entry
 * reads them through the `voice.hands_free` service and runs the detector per source.
 */
export const wakeSkillModule = defineSkill({
  name: 'wake',
  configKeys: ['mode', 'phrases', 'preRollMs', 'talkSilenceMs'],
  // A phrase is a string or {phrase, threshold} (validateWakePhrases).
  configShape: { phrases: [{ phrase: true, threshold: true }] },
  open(context) {
    const config = context.config
    const control = new HandsFreeControl({
      file: join(context.dataDir, VOICE_SETTINGS_FILE_NAME),
      defaults: {
        mode: config.mode === undefined ? DEFAULT_VOICE_MODE : parseVoiceMode(config.mode),
        phrases: config.phrases === undefined ? DEFAULT_WAKE_PHRASES : validateWakePhrases(config.phrases),
      },
    })
    const service: HandsFreeService = {
      control,
      preRollMs: boundedInteger(
        config.preRollMs,
        DEFAULT_WAKE_PRE_ROLL_MS,
        0,
        MAX_WAKE_PRE_ROLL_MS,
        'preRollMs',
      ),
      talkSilenceMs: boundedInteger(
        config.talkSilenceMs,
        DEFAULT_TALK_SILENCE_MS,
        1000,
        600_000,
        'talkSilenceMs',
      ),
    }
    context.services.provide(HANDS_FREE_SERVICE, service)
    const status = (): SkillHealth =>
      !dictionaryInstalled()
        ? {
            state: 'unavailable',
            reason: `the pocketsphinx model is not installed: ${WAKE_WORD_INSTALL_HINT}`,
          }
        : { state: 'ready' }
    const consumes = context.skill.consumes ?? []
    return {
      runtime: { status },
      routes: [wakeRoutes(control)],
      subscriptions: consumes.includes('ui.interruptibility')
        ? [
            {
              pattern: 'ui.interruptibility',
              handler: async (event: Envelope) => {
                const mode = (event.payload as { mode?: unknown }).mode
                if (typeof mode === 'string') control.setInterruptibility(mode)
              },
              // Every one since the first: the last one seen is the mode now, after a restart too.
              options: { from: 'first' as const },
            },
          ]
        : [],
    }
  },
})
