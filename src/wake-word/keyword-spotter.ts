import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HubError } from '../contracts/index.ts'
import {
  DEFAULT_POCKETSPHINX_MODEL_DIR,
  type PocketsphinxLibrary,
  pocketsphinxLibrary,
  WAKE_WORD_INSTALL_HINT,
} from './pocketsphinx-library.ts'
import { validateWakePhrases, type WakePhrase } from './wake-phrases.ts'

/** The detector reads 16 kHz mono pcm16, what the voice entry hands its runs. */
export const WAKE_SAMPLE_RATE_HZ = 16_000
/** Audio is searched in pieces of this many samples (20 ms): a detection is placed within 20 ms. */
export const DEFAULT_WAKE_STEP_SAMPLES = 320

export interface WakeDetection {
  phrase: string
  /** pocketsphinx's posterior of the keyphrase, 0–1. */
  score: number
  /** Where in the bytes handed to `push` the phrase was found: the audio after it is the rest. */
  byteOffset: number
  /** Milliseconds of audio the spotter had heard when it found the phrase. */
  atMs: number
}

export interface KeywordSpotterOptions {
  modelDir?: string
}

/**
 * Keyword spotting on the audio itself: pocketsphinx's kws search over the acoustic model, fed
 * 16 kHz mono pcm16 as it arrives. After a detection the search restarts, so one phrase wakes
 * once. Its own silence removal skips frames without speech, which keeps idle listening cheap.
 * Not thread-safe: one spotter per audio source.
 */
export class KeywordSpotter {
  readonly #library: PocketsphinxLibrary
  readonly #decoder: object
  #phrases: WakePhrase[]
  #searches = 0
  #samplesHeard = 0
  #closed = false

  private constructor(library: PocketsphinxLibrary, decoder: object, phrases: WakePhrase[]) {
    this.#library = library
    this.#decoder = decoder
    this.#phrases = phrases
  }

  static open(phrases: readonly WakePhrase[], options: KeywordSpotterOptions = {}): KeywordSpotter {
    const checked = validateWakePhrases(phrases)
    const library = pocketsphinxLibrary()
    const model = options.modelDir ?? DEFAULT_POCKETSPHINX_MODEL_DIR
    const folder = mkdtempSync(join(tmpdir(), 'localhub-kws-'))
    try {
      const keywords = join(folder, 'keyphrases.txt')
      writeFileSync(keywords, keywordFile(checked))
      const config = library.parseConfig([
        '-hmm',
        join(model, 'en-us'),
        '-dict',
        join(model, 'cmudict-en-us.dict'),
        '-kws',
        keywords,
        '-logfn',
        '/dev/null',
        '-remove_silence',
        'yes',
      ])
      const decoder = config === null ? null : library.init(config)
      if (decoder === null)
        throw new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `pocketsphinx could not open its model in ${model} or a phrase has a word it does not know: ${WAKE_WORD_INSTALL_HINT}`,
        )
      const spotter = new KeywordSpotter(library, decoder, checked)
      library.startUtterance(decoder)
      return spotter
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  }

  get phrases(): readonly WakePhrase[] {
    return this.#phrases
  }

  /** Words of the phrases that the dictionary does not know (a phrase with one is refused). */
  unknownWords(phrases: readonly WakePhrase[]): string[] {
    const words = phrases.flatMap((entry) => entry.phrase.split(' '))
    return [...new Set(words)].filter((word) => this.#library.lookupWord(this.#decoder, word) === undefined)
  }

  /** Replaces the phrases at once: the search restarts, the next audio is searched for the new ones. */
  setPhrases(phrases: readonly WakePhrase[]): void {
    const checked = validateWakePhrases(phrases)
    const unknown = this.unknownWords(checked)
    if (unknown.length > 0)
      throw new HubError(
        'E_VALIDATION',
        `the dictionary does not know ${unknown.map((word) => `"${word}"`).join(', ')}: choose words it has`,
        { details: { unknownWords: unknown } },
      )
    const folder = mkdtempSync(join(tmpdir(), 'localhub-kws-'))
    try {
      const keywords = join(folder, 'keyphrases.txt')
      writeFileSync(keywords, keywordFile(checked))
      const name = `wake${++this.#searches}`
      this.#library.endUtterance(this.#decoder)
      if (this.#library.setKeywordFile(this.#decoder, name, keywords) !== 0)
        throw new HubError('E_VALIDATION', 'pocketsphinx refused the phrases')
      this.#library.setSearch(this.#decoder, name)
      this.#library.startUtterance(this.#decoder)
      this.#phrases = checked
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  }

  /** Searches the audio; returns the first detection in it, if any (the search then restarts). */
  push(pcm: Buffer): WakeDetection | undefined {
    if (this.#closed) return undefined
    const whole = Math.floor(pcm.length / 2) * 2
    for (let offset = 0; offset < whole; offset += DEFAULT_WAKE_STEP_SAMPLES * 2) {
      const end = Math.min(whole, offset + DEFAULT_WAKE_STEP_SAMPLES * 2)
      const samples = new Int16Array(pcm.buffer.slice(pcm.byteOffset + offset, pcm.byteOffset + end))
      this.#library.processRaw(this.#decoder, samples)
      this.#samplesHeard += samples.length
      if (this.#library.hypothesis(this.#decoder) === null) continue
      const segment = this.#library.lastSegment(this.#decoder)
      this.#library.endUtterance(this.#decoder)
      this.#library.startUtterance(this.#decoder)
      const phrase = (segment?.word ?? '').trim()
      return {
        phrase: this.#phrases.find((entry) => entry.phrase === phrase)?.phrase ?? phrase,
        score: Math.min(1, Math.max(0, segment?.probability ?? 0)),
        byteOffset: end,
        atMs: Math.round((this.#samplesHeard / WAKE_SAMPLE_RATE_HZ) * 1000),
      }
    }
    return undefined
  }

  /** Forgets what it heard so far: the next push starts a fresh search. */
  reset(): void {
    if (this.#closed) return
    this.#library.endUtterance(this.#decoder)
    this.#library.startUtterance(this.#decoder)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#library.endUtterance(this.#decoder)
    this.#library.free(this.#decoder)
  }
}

/** pocketsphinx's keyphrase list: one phrase a line, its threshold between slashes. */
function keywordFile(phrases: readonly WakePhrase[]): string {
  return phrases.map((entry) => `${entry.phrase} /${entry.threshold.toExponential()}/\n`).join('')
}
