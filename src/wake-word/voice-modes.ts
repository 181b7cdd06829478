import { HubError } from '../contracts/index.ts'

/**
 * How the hub listens: `off` (it does not), `push_to_talk` (only while the person holds the
 * button: a client's voice.start/voice.end), `wake_word` (hands-free: a turn starts when the
 * wake phrase is heard) and `talk` (a conversation: listen, answer, listen again, until the
 * person says stop or stays silent).
 */
export const VOICE_MODES = ['off', 'push_to_talk', 'wake_word', 'talk'] as const
export type VoiceMode = (typeof VOICE_MODES)[number]

/** The mode of a hub whose data directory has none saved and whose manifest names none. */
export const DEFAULT_VOICE_MODE: VoiceMode = 'push_to_talk'

/** Transcripts that end a Talk conversation instead of being answered (compared lower-case, no punctuation). */
export const DEFAULT_TALK_STOP_PHRASES: readonly string[] = [
  'stop',
  'stop listening',
  'thank you stop',
  'that is all',
  "that's all",
  'goodbye',
]

export function isVoiceMode(value: unknown): value is VoiceMode {
  return typeof value === 'string' && (VOICE_MODES as readonly string[]).includes(value)
}

export function parseVoiceMode(value: unknown): VoiceMode {
  if (isVoiceMode(value)) return value
  throw new HubError('E_VALIDATION', `mode is one of ${VOICE_MODES.join(', ')}, got ${JSON.stringify(value)}`)
}

/** Whether a transcript asks Talk mode to stop. */
export function isStopPhrase(text: string, phrases: readonly string[] = DEFAULT_TALK_STOP_PHRASES): boolean {
  const said = text
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return phrases.includes(said)
}
