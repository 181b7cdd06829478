import { type AvatarKeyframe, babbleTimeline, KeyframeSampler } from './keyframes.ts'
import { VisemeTimeline } from './viseme-timeline.ts'

export type EndReason = 'completed' | 'interrupted' | 'failed'

/**
 * The face's stream for one answer (one traceId): its viseme timeline, the keyframes sampled from
 * it at the stream's fps, and whether it has ended. Pure state; AvatarStreams publishes.
 */
export class AnswerStream {
  readonly timeline = new VisemeTimeline()
  #sampler: KeyframeSampler
  #babble: VisemeTimeline | undefined
  /** When the first tts.audio of the answer arrived (performance.now()), for avatar_ms. */
  firstAudioAt: number | undefined
  started = false
  ended: EndReason | undefined
  /** Audio received so far, from tts.audio's `ms`. */
  audioMs = 0
  /** The id of the last tts event handled: the causationId of what the stream publishes next. */
  cause: string | undefined

  constructor(
    readonly traceId: string,
    readonly sessionId: string,
    readonly fps: number,
    readonly seed: number,
  ) {
    this.#sampler = new KeyframeSampler(this.timeline, fps, seed)
  }

  /** Frames sampled so far. */
  get totalFrames(): number {
    return this.#sampler.nextSeq
  }

  /** The timeline frames are sampled from: the visemes, or a babble when the speech had none. */
  get source(): VisemeTimeline {
    return this.#babble ?? this.timeline
  }

  /** The audio ended after `totalMs`: a speech without visemes gets the seeded babble. */
  finish(totalMs: number): void {
    if (this.timeline.size === 0 && this.totalFrames === 0 && totalMs > 0) {
      this.#babble = babbleTimeline(totalMs, this.seed)
      this.#sampler = new KeyframeSampler(this.#babble, this.fps, this.seed)
    }
    this.timeline.end(totalMs)
  }

  /** Keyframes the timeline settled since the last call. */
  take(maxFrames?: number): AvatarKeyframe[] {
    return this.#sampler.take(maxFrames)
  }

  /** A sampler of this answer at another rate (a client's rendered frames). */
  samplerAt(fps: number): KeyframeSampler {
    return new KeyframeSampler(this.source, fps, this.seed)
  }
}
