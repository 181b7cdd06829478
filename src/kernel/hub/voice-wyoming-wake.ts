import type { Bus } from '../../bus/index.ts'
import { type Envelope, HubError } from '../../contracts/index.ts'
import { type HandsFreeService, WAKE_SAMPLE_RATE_HZ } from '../../wake-word/index.ts'
import type { WyomingEvent } from '../../wyoming/index.ts'
import { PcmNormalizer, type VoiceFormat } from './voice-audio.ts'
import type { HandsFreeDraft } from './voice-hands-free-events.ts'
import type { VoiceSession } from './voice-session.ts'
import { openSessionWake, type SessionWake } from './voice-session-wake.ts'
import type { WyomingEndStage } from './voice-wyoming-answer-audio.ts'
import { audioFormat } from './voice-wyoming-audio-format.ts'

/** A satellite streaming for the wake word (run-pipeline start_stage wake, or detect). */
export interface WakeStream {
  readonly endStage: WyomingEndStage
  /** run-pipeline restart_on_end: after a turn, the stream goes on waiting for the phrase. */
  readonly restart: boolean
  /** Armed by `detect` (the wake flow): audio-stop without a detection answers not-detected. */
  readonly detect: boolean
}

/** Satellites streaming for the wake word at once; each holds a pocketsphinx decoder (tens of MB). */
export const DEFAULT_WYOMING_MAX_WAKE_STREAMS = 4

/** How many wake streams the hub's satellites (served and dialled) may hold at once. */
export class WakeStreamBudget {
  #used = 0
  constructor(readonly max: number = DEFAULT_WYOMING_MAX_WAKE_STREAMS) {}

  /** Takes a slot; false when all are taken. */
  take(): boolean {
    if (this.#used >= this.max) return false
    this.#used++
    return true
  }

  give(): void {
    this.#used = Math.max(0, this.#used - 1)
  }
}

export interface WyomingWakeOptions {
  handsFree: HandsFreeService
  session: VoiceSession
  /** The satellite's name in voice.wake.detected and voice.talk.* (`source`). */
  source: string
  bus: Bus | undefined
  /** Called before a wake opens an utterance: the connection notes the turn's end stage. */
  beforeTurn(): void
  /** Sends a Wyoming event to the satellite. */
  send(type: string, data: Record<string, unknown>): void
  onError(error: unknown): void
  /** The hub's budget of wake streams: a slot is taken on open and given back on close. */
  budget?: WakeStreamBudget
}

/**
 * A satellite that streams its microphone without pause (run-pipeline start_stage wake, or
 * detect + audio): the stream goes, as 16 kHz mono, to the same WakeListener and keyword spotter
 * as /ws/voice/listen. Until a wake only the spotter and the pre-roll ring see the audio; a wake
 * sends `detection {name, timestamp}` to the satellite, publishes voice.wake.detected and opens
 * an utterance of the session with the pre-roll and the audio after the phrase.
 */
export class WyomingWakeSource {
  readonly #options: WyomingWakeOptions
  readonly #wake: SessionWake
  #normalizer: PcmNormalizer | undefined
  #format: VoiceFormat | undefined
  /** Audio of the stream so far, in ms (the `timestamp` of a detection). */
  #streamMs = 0
  #closed = false
  /** Wakes since the stream (re)started: `not-detected` is sent on audio-stop when none. */
  detections = 0

  /** Opens the detector within the budget (E_RESOURCE_LIMIT when every slot is taken). */
  static open(options: WyomingWakeOptions): WyomingWakeSource {
    const budget = options.budget
    if (budget !== undefined && !budget.take())
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `more than ${budget.max} satellites stream for the wake word: detect it on this satellite and send start_stage asr, or try again later`,
      )
    try {
      return new WyomingWakeSource(options)
    } catch (error) {
      // No decoder (pocketsphinx missing): the slot goes back.
      budget?.give()
      throw error
    }
  }

  private constructor(options: WyomingWakeOptions) {
    this.#options = options
    this.#wake = openSessionWake({
      handsFree: options.handsFree,
      session: options.session,
      source: options.source,
      publish: (draft) => this.#publish(draft),
      onError: (error) => options.onError(error),
      beforeTurn: () => options.beforeTurn(),
      beforeWake: (detection) => {
        this.detections++
        // The satellite hears of the wake first (it may play its "awake" sound).
        options.send('detection', { name: detection.phrase, timestamp: Math.round(this.#streamMs) })
      },
    })
  }

  /** The hub's voice mode lets the stream wake turns (not off, not push_to_talk). */
  get listening(): boolean {
    const mode = this.#options.handsFree.control.state().mode
    return mode === 'wake_word' || mode === 'talk'
  }

  /** A new stream (run-pipeline, detect, audio-start): counts restart, the format may change. */
  restart(): void {
    this.detections = 0
  }

  /** An audio-chunk of the stream: its format checked (16-bit, a rate and channels the hub takes). */
  pushEvent(event: WyomingEvent): Promise<void> {
    const format = audioFormat(event.data, 'audio-chunk')
    if (event.payload === undefined || event.payload.length === 0)
      throw new HubError('E_VALIDATION', 'audio-chunk has no payload: the audio goes in payload_length bytes')
    return this.push(event.payload, format)
  }

  /** One chunk of the stream, in the satellite's format (16-bit, any rate the hub takes). */
  push(pcm: Buffer, format: VoiceFormat): Promise<void> {
    const current = this.#format
    if (
      this.#normalizer === undefined ||
      current === undefined ||
      current.sampleRate !== format.sampleRate ||
      current.channels !== format.channels
    ) {
      this.#format = format
      this.#normalizer = new PcmNormalizer(format, WAKE_SAMPLE_RATE_HZ)
    }
    const mono = this.#normalizer.push(pcm)
    this.#streamMs += (mono.length / 2 / WAKE_SAMPLE_RATE_HZ) * 1000
    return this.#wake.listener.push(mono)
  }

  /** Every event of the session's turns (a stop phrase ends Talk). */
  observe(event: Envelope): void {
    this.#wake.listener.observe(event as Envelope & { payload: Record<string, unknown> })
  }

  /** Forgets the pre-roll and any conversation; the decoder is freed. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#wake.close()
    this.#options.budget?.give()
  }

  #publish(draft: HandsFreeDraft): void {
    void this.#options.bus?.publishUntyped(draft).catch((error) => this.#options.onError(error))
  }
}
