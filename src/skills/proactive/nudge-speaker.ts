import type { Envelope } from '../../contracts/index.ts'
import { deadlineSignal, HubError } from '../../contracts/index.ts'
import type { SkillContext, SkillLogger } from '../../skill-api/index.ts'
import { DEFAULT_FLITE_BINARY, DEFAULT_FLITE_VOICE, speakWithFlite, speakWithWyoming } from '../tts/index.ts'
import type { InterruptibilityMode } from './attention-store.ts'

/** Audio per tts.audio event of a spoken nudge, in milliseconds (as a voice turn's). */
export const DEFAULT_NUDGE_AUDIO_CHUNK_MS = 200
/** Proposals remembered for their words until their dispatch comes. */
export const DEFAULT_SPOKEN_PROPOSALS_KEPT = 200
/** Longest a spoken nudge may take to synthesise, in milliseconds. */
export const DEFAULT_NUDGE_SPEECH_TIMEOUT_MS = 30_000
/** What the voice entry looks for in `meta` to play an event to its idle connections. */
export const VOICE_BROADCAST_META = { broadcast: 'voice' } as const

/** The channels a dispatch is spoken on. */
const SPOKEN_CHANNELS = new Set(['voice', 'avatar'])
const SPEECH_TYPES = ['tts.start', 'tts.audio', 'tts.end'] as const

export interface NudgeVoice {
  readonly engine: 'flite' | 'wyoming'
  readonly voice: string
  readonly binary: string
  readonly uri: string | undefined
}

/** `voice` from the triage entry, else the tts skill's settings, else flite's slt. */
export function nudgeVoiceOf(context: SkillContext): NudgeVoice {
  const ttsEntry = context.manifest.skills.find((skill) => skill.transport?.module === 'tts')
  const given = (context.config.voice ?? ttsEntry?.config ?? {}) as Record<string, unknown>
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new HubError('E_VALIDATION', 'voice must be a map {engine, voicePreset, binary, uri}')
  const engine = given.engine ?? 'flite'
  if (engine !== 'flite' && engine !== 'wyoming')
    throw new HubError('E_VALIDATION', `voice.engine must be flite or wyoming, got ${JSON.stringify(engine)}`)
  const uri = typeof given.uri === 'string' ? given.uri : undefined
  if (engine === 'wyoming' && uri === undefined)
    throw new HubError('E_VALIDATION', 'voice.engine wyoming needs voice.uri (tcp://host:port)')
  return {
    engine,
    voice: String(given.voicePreset ?? DEFAULT_FLITE_VOICE),
    binary: String(given.binary ?? DEFAULT_FLITE_BINARY),
    uri,
  }
}

/** Whether the triage entry may speak: it provides the speech events and consumes nudge.dispatch. */
export function speaksNudges(context: SkillContext): boolean {
  return (
    context.skill.consumes.includes('nudge.dispatch') &&
    SPEECH_TYPES.every((type) => context.skill.provides.includes(type))
  )
}

export interface NudgeSpeakerOptions {
  readonly context: SkillContext
  readonly voice: NudgeVoice
  /** The person's mode now: a nudge is spoken only while it is `available`. */
  readonly mode: () => InterruptibilityMode
  readonly logger: SkillLogger
}

/**
 * Speaks voice nudges: a `nudge.dispatch` on the voice (or avatar) channel is synthesised with the
 * hub's TTS engine and published as tts.start, tts.audio and tts.end with `meta.broadcast: voice`,
 * which the voice entry plays to every connected client that is not in a turn. Nothing is spoken
 * unless the person is `available` when the dispatch comes (triage already kept voice out of dnd
 * and focus; this holds when the mode changed in between). One nudge is spoken at a time.
 */
export class NudgeSpeaker {
  readonly #options: NudgeSpeakerOptions
  readonly #words = new Map<string, string>()
  #queue: Promise<void> = Promise.resolve()

  constructor(options: NudgeSpeakerOptions) {
    this.#options = options
  }

  /** Keeps what a proposal says until its dispatch comes. */
  remember(proposalId: string, title: string, reason: string): void {
    this.#words.set(proposalId, reason === '' ? title : `${title}. ${reason}`)
    while (this.#words.size > DEFAULT_SPOKEN_PROPOSALS_KEPT)
      this.#words.delete(this.#words.keys().next().value!)
  }

  /** The nudge.dispatch handler: queues the speech and returns (the publisher is not held). */
  readonly onDispatch = (event: Envelope): void => {
    const { proposalId, channel } = event.payload as { proposalId?: string; channel?: string }
    if (typeof proposalId !== 'string' || channel === undefined || !SPOKEN_CHANNELS.has(channel)) return
    const words = this.#words.get(proposalId)
    this.#words.delete(proposalId)
    if (words === undefined) return
    this.#queue = this.#queue.then(() => this.#speak(proposalId, words, event))
  }

  /** Resolves when the nudges queued so far have been spoken (or failed). */
  idle(): Promise<void> {
    return this.#queue
  }

  async #speak(proposalId: string, words: string, dispatch: Envelope): Promise<void> {
    if (this.#options.mode() !== 'available') return
    const { context, voice } = this.#options
    const deadline = deadlineSignal(DEFAULT_NUDGE_SPEECH_TIMEOUT_MS, context.signal)
    const signal = deadline.signal
    try {
      const speech =
        voice.engine === 'wyoming'
          ? await speakWithWyoming(voice.uri!, voice.voice, words, signal)
          : await speakWithFlite(voice.binary, voice.voice, words, signal)
      const common = {
        traceId: dispatch.traceId,
        causationId: dispatch.id,
        meta: { ...VOICE_BROADCAST_META, nudge: { proposalId } },
      }
      await context.bus.publish({
        type: 'tts.start',
        ...common,
        payload: { voice: voice.voice, format: 'pcm16', sampleRate: speech.sampleRate },
      })
      const bytesPerChunk = Math.max(
        2,
        Math.round((speech.sampleRate * DEFAULT_NUDGE_AUDIO_CHUNK_MS) / 1000) * 2,
      )
      let seq = 0
      for (let offset = 0; offset < speech.pcm.length; offset += bytesPerChunk) {
        const piece = speech.pcm.subarray(offset, offset + bytesPerChunk)
        const ms = Math.max(1, Math.round((piece.length / 2 / speech.sampleRate) * 1000))
        await context.bus.publish({
          type: 'tts.audio',
          ...common,
          payload: { seq: seq++, bytesB64: piece.toString('base64'), ms },
        })
      }
      const totalMs = Math.round((speech.pcm.length / 2 / speech.sampleRate) * 1000)
      await context.bus.publish({ type: 'tts.end', ...common, payload: { totalMs } })
    } catch (error) {
      this.#options.logger.warn('could not speak a nudge', { proposalId, error: (error as Error).message })
    } finally {
      deadline.clear()
    }
  }
}
