import type { KeywordSpotter, WakeDetection } from './keyword-spotter.ts'
import { WAKE_SAMPLE_RATE_HZ } from './keyword-spotter.ts'
import { PreRollBuffer } from './pre-roll-buffer.ts'
import { isStopPhrase, type VoiceMode } from './voice-modes.ts'

/** Audio kept from just before a detection, in ms: the phrase's end and the question's first syllable. */
export const DEFAULT_WAKE_PRE_ROLL_MS = 300
/** Largest pre-roll a listener accepts, in ms: more would keep what was said before the phrase. */
export const MAX_WAKE_PRE_ROLL_MS = 1_000
/** Talk mode ends when an utterance hears no speech for this long, in ms. */
export const DEFAULT_TALK_SILENCE_MS = 8_000
/** A chunk whose RMS is above this (pcm16 units, about -35 dBFS) starts the question after a wake or in Talk. */
export const DEFAULT_TALK_SPEECH_RMS = 600
/** After a wake, the question must start within this many ms, or the turn is cancelled. */
export const DEFAULT_WAKE_QUESTION_WAIT_MS = 5_000

/** Where a listener's utterances go: a voice session of the hub (src/kernel/hub/voice-session.ts). */
export interface UtteranceSink {
  /** Opens an utterance of 16 kHz mono pcm16 and starts a turn; resolves with its trace id. */
  start(): Promise<string | undefined>
  push(pcm: Buffer): Promise<void>
  /** Drops the open utterance and cancels the running turn. */
  cancel(reason: string): void
  /** An utterance is open (the hub closes it at the end of speech). */
  readonly listening: boolean
  /** A turn is running (transcribing, thinking or speaking). */
  readonly busy: boolean
}

/** What the listener reads each time it decides: the hub's current settings, changed at run time. */
export interface ListenerSettings {
  mode(): VoiceMode
  /** Interruptibility `dnd`: no wake, no new Talk utterance. */
  muted(): boolean
}

export interface WakeListenerOptions {
  spotter: KeywordSpotter
  sink: UtteranceSink
  settings: ListenerSettings
  preRollMs?: number
  talkSilenceMs?: number
  /** A wake was heard and its turn started (traceId of that turn). */
  onWake?(detection: WakeDetection, traceId: string | undefined, preRollMs: number): void
  /** A Talk conversation started or ended (`reason`: wake, mode, stop phrase, silence). */
  onTalk?(active: boolean, reason: string): void
  onError?(error: unknown): void
}

/**
 * One hands-free audio source (a dashboard microphone, `localhub listen`, a satellite): it is fed
 * 16 kHz mono pcm16 without pause. While no utterance is open, the audio goes to the keyword
 * spotter and a pre-roll ring only, and is otherwise dropped; a wake opens an utterance with the
 * pre-roll and the audio that follows. In Talk mode the next utterance opens by itself when the
 * previous turn ends, until a stop phrase or `talkSilenceMs` without speech.
 */
export class WakeListener {
  readonly #options: WakeListenerOptions
  readonly #preRoll: PreRollBuffer
  readonly #preRollMs: number
  readonly #talkSilenceMs: number
  #conversation = false
  #starting = false
  // Between the opening of an utterance and the first loud chunk: silence goes to the turn instead
  // of the audio (so the end-of-speech timer does not start on the phrase's tail), and the
  // pre-roll ring keeps rolling so that the question's first syllable is not lost.
  #awaiting = false
  #lastMode: VoiceMode | undefined
  #waitedMs = 0
  #waitLimitMs = DEFAULT_WAKE_QUESTION_WAIT_MS
  #queue: Promise<void> = Promise.resolve()

  constructor(options: WakeListenerOptions) {
    this.#options = options
    this.#preRollMs = Math.min(
      MAX_WAKE_PRE_ROLL_MS,
      Math.max(0, options.preRollMs ?? DEFAULT_WAKE_PRE_ROLL_MS),
    )
    this.#talkSilenceMs = options.talkSilenceMs ?? DEFAULT_TALK_SILENCE_MS
    this.#preRoll = new PreRollBuffer(Math.round((this.#preRollMs * WAKE_SAMPLE_RATE_HZ) / 1000) * 2)
  }

  /** Bytes the pre-roll ring holds now (never more than the pre-roll). */
  get bufferedBytes(): number {
    return this.#preRoll.length
  }

  get conversation(): boolean {
    return this.#conversation
  }

  /** Feeds audio; calls are handled in order. */
  push(pcm: Buffer): Promise<void> {
    this.#queue = this.#queue.then(() => this.#handle(pcm)).catch((error) => this.#options.onError?.(error))
    return this.#queue
  }

  /** Starts a Talk conversation at once (the mode was switched to talk). */
  startConversation(reason: string): void {
    if (this.#conversation) return
    this.#conversation = true
    this.#options.onTalk?.(true, reason)
  }

  /** Ends a Talk conversation; the listener waits for the wake phrase again. */
  endConversation(reason: string): void {
    if (!this.#conversation) return
    this.#conversation = false
    this.#options.onTalk?.(false, reason)
  }

  /** Every event of the listener's turns: a stop phrase in Talk mode ends the conversation. */
  observe(event: { type: string; payload: Record<string, unknown> }): void {
    if (event.type !== 'stt.final' || !this.#conversation) return
    if (isStopPhrase(String(event.payload.text ?? ''))) {
      this.#options.sink.cancel('stopped: the person ended Talk mode')
      this.endConversation('stop phrase')
    }
  }

  /** Forgets the pre-roll and any conversation (the source went away, or the mode changed). */
  reset(): void {
    this.#preRoll.clear()
    this.#options.spotter.reset()
    this.endConversation('reset')
  }

  async #handle(pcm: Buffer): Promise<void> {
    const { sink, settings } = this.#options
    const mode = settings.mode()
    if (mode === 'off' || mode === 'push_to_talk' || settings.muted()) {
      this.#lastMode = mode
      // Nothing is listened for: the audio is dropped here.
      this.#preRoll.clear()
      if (this.#conversation) this.endConversation(mode === 'off' || mode === 'push_to_talk' ? 'mode' : 'dnd')
      if (sink.listening) sink.cancel('stopped: voice input was switched off')
      return
    }
    // Switching to talk starts a conversation; after a stop phrase or silence the wake phrase does.
    const switchedToTalk = mode === 'talk' && this.#lastMode !== 'talk'
    this.#lastMode = mode
    if (switchedToTalk && !this.#conversation) this.startConversation('mode')
    if (mode !== 'talk' && this.#conversation) this.endConversation('mode')
    if (sink.listening) return this.#utteranceAudio(pcm)
    if (this.#starting) return
    if (this.#conversation && !sink.busy) {
      // Talk: the previous turn has ended, so the next utterance opens without a wake.
      this.#preRoll.clear()
      await this.#open(this.#talkSilenceMs)
      return this.#utteranceAudio(pcm)
    }
    if (this.#conversation) return // Talk mode does not listen while the hub answers.
    const detection = this.#options.spotter.push(pcm)
    if (detection === undefined) {
      this.#preRoll.push(pcm)
      return
    }
    this.#preRoll.push(pcm.subarray(0, detection.byteOffset))
    if (mode === 'talk') this.startConversation('wake')
    const traceId = await this.#open(DEFAULT_WAKE_QUESTION_WAIT_MS)
    this.#options.onWake?.(
      detection,
      traceId,
      Math.round((this.#preRoll.length / 2 / WAKE_SAMPLE_RATE_HZ) * 1000),
    )
    const rest = pcm.subarray(detection.byteOffset)
    if (rest.length > 0) await this.#utteranceAudio(rest)
  }

  async #open(waitLimitMs: number): Promise<string | undefined> {
    this.#starting = true
    this.#awaiting = true
    this.#waitedMs = 0
    this.#waitLimitMs = waitLimitMs
    try {
      return await this.#options.sink.start()
    } finally {
      this.#starting = false
    }
  }

  async #utteranceAudio(pcm: Buffer): Promise<void> {
    const { sink } = this.#options
    if (!this.#awaiting) return sink.push(pcm)
    this.#preRoll.push(pcm)
    if (rms(pcm) > DEFAULT_TALK_SPEECH_RMS) {
      // The question starts: the ring (at most the pre-roll, this chunk included) and what follows.
      this.#awaiting = false
      return sink.push(this.#preRoll.take())
    }
    this.#waitedMs += (pcm.length / 2 / WAKE_SAMPLE_RATE_HZ) * 1000
    if (this.#waitedMs >= this.#waitLimitMs) {
      this.#awaiting = false
      this.#preRoll.clear()
      sink.cancel(`stopped: nobody spoke for ${this.#waitLimitMs} ms`)
      this.endConversation('silence')
      return
    }
    await sink.push(Buffer.alloc(pcm.length))
  }
}

function rms(pcm: Buffer): number {
  const samples = Math.floor(pcm.length / 2)
  if (samples === 0) return 0
  let sum = 0
  for (let index = 0; index < samples; index++) {
    const value = pcm.readInt16LE(index * 2)
    sum += value * value
  }
  return Math.sqrt(sum / samples)
}
