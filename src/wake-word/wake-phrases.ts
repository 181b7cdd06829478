import { HubError } from '../contracts/index.ts'

/** A phrase the detector listens for, with pocketsphinx's detection threshold for it. */
export interface WakePhrase {
  /** Lower-case words of the pronouncing dictionary, separated by single spaces. */
  phrase: string
  /** Lower is more eager (more hits, more false wakes); pocketsphinx's range is about 1e-50 to 1. */
  threshold: number
}

/** The threshold a phrase gets when none is given (bench/RESULTS.md, "wake"). */
export const DEFAULT_WAKE_THRESHOLD = 1e-20
/** The phrase the hub listens for when the manifest names none. */
export const DEFAULT_WAKE_PHRASES: readonly WakePhrase[] = [
  { phrase: 'hey jarvis', threshold: DEFAULT_WAKE_THRESHOLD },
]
/** At most this many phrases at once (each one costs search time on every frame). */
export const DEFAULT_WAKE_MAX_PHRASES = 8
const MIN_THRESHOLD = 1e-80
const WORDS = /^[a-z']+( [a-z']+){0,5}$/

/**
 * Checks phrases given by the manifest, the API or the CLI: 1–8 of them, each 1–6 lower-case
 * words (spaces folded), a threshold in [1e-80, 1]. Throws E_VALIDATION naming the entry.
 */
export function validateWakePhrases(input: unknown): WakePhrase[] {
  if (!Array.isArray(input) || input.length === 0)
    throw new HubError('E_VALIDATION', 'wake words are a non-empty list of {phrase, threshold}')
  if (input.length > DEFAULT_WAKE_MAX_PHRASES)
    throw new HubError('E_VALIDATION', `at most ${DEFAULT_WAKE_MAX_PHRASES} wake words, got ${input.length}`)
  return input.map((entry, index) => {
    const raw = typeof entry === 'string' ? { phrase: entry } : entry
    if (raw === null || typeof raw !== 'object')
      throw new HubError('E_VALIDATION', `wake word ${index} is not {phrase, threshold}`)
    const { phrase, threshold } = raw as Record<string, unknown>
    const unknownKeys = Object.keys(raw).filter((key) => key !== 'phrase' && key !== 'threshold')
    if (unknownKeys.length > 0)
      throw new HubError('E_VALIDATION', `wake word ${index} has unknown keys: ${unknownKeys.join(', ')}`)
    const words = typeof phrase === 'string' ? phrase.trim().toLowerCase().replace(/\s+/g, ' ') : ''
    if (!WORDS.test(words))
      throw new HubError(
        'E_VALIDATION',
        `wake word ${index}: the phrase is 1–6 words of letters and apostrophes, got ${JSON.stringify(phrase)}`,
      )
    const value = threshold ?? DEFAULT_WAKE_THRESHOLD
    if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_THRESHOLD || value > 1)
      throw new HubError(
        'E_VALIDATION',
        `wake word ${index}: threshold is a number from ${MIN_THRESHOLD} to 1, got ${JSON.stringify(threshold)}`,
      )
    return { phrase: words, threshold: value }
  })
}
