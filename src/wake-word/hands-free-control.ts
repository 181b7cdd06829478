import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { HubError } from '../contracts/index.ts'
import { unknownWords } from './pronouncing-dictionary.ts'
import { isVoiceMode, parseVoiceMode, type VoiceMode } from './voice-modes.ts'
import { validateWakePhrases, type WakePhrase } from './wake-phrases.ts'

/** The file in the data directory that keeps the mode and the phrases across restarts. */
export const VOICE_SETTINGS_FILE_NAME = 'voice-mode.json'

export interface HandsFreeState {
  mode: VoiceMode
  phrases: WakePhrase[]
  /** Interruptibility is `dnd`: wakes and Talk are muted. */
  dnd: boolean
}

export interface HandsFreeControlOptions {
  /** Where the settings are saved (`<dataDir>/voice-mode.json`). */
  file: string
  /** The manifest's mode and phrases, used until the person changes them. */
  defaults: { mode: VoiceMode; phrases: readonly WakePhrase[] }
}

/**
 * The hub's hands-free settings: the voice mode, the wake phrases (both saved in the data
 * directory and changed at run time by the API, the CLI and the dashboard) and whether
 * interruptibility is `dnd`. Listeners subscribe and apply a change at once.
 */
export class HandsFreeControl {
  readonly #file: string
  #state: HandsFreeState
  readonly #listeners = new Set<(state: HandsFreeState, previous: HandsFreeState) => void>()

  constructor(options: HandsFreeControlOptions) {
    this.#file = options.file
    const saved = readSaved(options.file)
    this.#state = {
      mode: saved.mode ?? options.defaults.mode,
      phrases: saved.phrases ?? validateWakePhrases(options.defaults.phrases),
      dnd: false,
    }
  }

  state(): HandsFreeState {
    return { ...this.#state, phrases: this.#state.phrases.map((entry) => ({ ...entry })) }
  }

  setMode(input: unknown): HandsFreeState {
    return this.#change({ mode: parseVoiceMode(input) })
  }

  /** Validates (words the dictionary knows, thresholds in range) and applies the phrases at once. */
  setPhrases(input: unknown): HandsFreeState {
    const phrases = validateWakePhrases(input)
    const unknown = unknownWords(phrases)
    if (unknown.length > 0)
      throw new HubError(
        'E_VALIDATION',
        `the pronouncing dictionary does not know ${unknown.map((word) => `"${word}"`).join(', ')}: choose words it has`,
        { details: { unknownWords: unknown } },
      )
    return this.#change({ phrases })
  }

  /** ui.interruptibility: `dnd` mutes wakes and Talk, any other mode lifts it. */
  setInterruptibility(mode: string): HandsFreeState {
    return this.#change({ dnd: mode === 'dnd' })
  }

  subscribe(listener: (state: HandsFreeState, previous: HandsFreeState) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #change(patch: Partial<HandsFreeState>): HandsFreeState {
    const previous = this.#state
    this.#state = { ...previous, ...patch }
    if (patch.mode !== undefined || patch.phrases !== undefined) this.#save()
    for (const listener of this.#listeners) listener(this.state(), previous)
    return this.state()
  }

  #save(): void {
    mkdirSync(dirname(this.#file), { recursive: true })
    const temporary = `${this.#file}.tmp`
    writeFileSync(
      temporary,
      `${JSON.stringify({ mode: this.#state.mode, phrases: this.#state.phrases }, null, 2)}\n`,
      {
        mode: 0o600,
      },
    )
    renameSync(temporary, this.#file)
  }
}

/** The saved settings; a missing or damaged file counts as none (the manifest's apply). */
function readSaved(file: string): { mode?: VoiceMode; phrases?: WakePhrase[] } {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return {}
  }
  const record = (parsed ?? {}) as Record<string, unknown>
  const out: { mode?: VoiceMode; phrases?: WakePhrase[] } = {}
  if (isVoiceMode(record.mode)) out.mode = record.mode
  try {
    if (record.phrases !== undefined) out.phrases = validateWakePhrases(record.phrases)
  } catch {
    // A damaged list falls back to the manifest's phrases.
  }
  return out
}
