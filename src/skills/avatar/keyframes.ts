import type { PayloadOf } from '../../contracts/index.ts'
import { BlinkSchedule, type HeadPose, headPhases, headPoseAt, seededRandom } from './motion.ts'
import { type Viseme, VisemeTimeline } from './viseme-timeline.ts'

/** One frame of the face (avatar.frames@2 items): times on the answer's audio clock, in ms. */
export type AvatarKeyframe = PayloadOf<'avatar.frames'>['frames'][number]

/** A viseme shorter than this does not open the mouth all the way, in milliseconds. */
const FULL_SHAPE_MS = 80
/** The least weight a spoken viseme gets, however short. */
const MIN_SPOKEN_WEIGHT = 0.6
/** How far each viseme opens the mouth (0 closed, 1 wide): used to nod the head with the speech. */
const OPENING: Readonly<Record<Viseme, number>> = {
  sil: 0,
  PP: 0,
  FF: 0.15,
  TH: 0.25,
  DD: 0.3,
  kk: 0.35,
  CH: 0.3,
  SS: 0.15,
  nn: 0.25,
  RR: 0.35,
  aa: 1,
  E: 0.7,
  I: 0.45,
  O: 0.8,
  U: 0.5,
}

/** Start of frame `seq` at `fps`, in ms on the audio clock (rounded; frame n ends where n+1 starts). */
export function frameStartMs(seq: number, fps: number): number {
  return Math.round((seq * 1000) / fps)
}

/** Frames needed to cover `durationMs` of audio at `fps`: the last one ends less than a frame after it. */
export function frameCountFor(durationMs: number, fps: number): number {
  return Math.ceil((durationMs * fps) / 1000)
}

/**
 * Samples a viseme timeline into frames at a fixed rate: each frame takes the viseme that covers
 * most of it (a short closure between vowels still shows when it fills most of a frame), a weight
 * from the viseme's length, and the seed's blink and head pose at the frame's middle.
 */
export class KeyframeSampler {
  readonly #blinks: BlinkSchedule
  readonly #phases: HeadPose
  #next = 0

  constructor(
    private readonly timeline: VisemeTimeline,
    readonly fps: number,
    seed: number,
  ) {
    this.#blinks = new BlinkSchedule(seed)
    this.#phases = headPhases(seed)
  }

  /** The seq the next frame will have (= frames sampled so far). */
  get nextSeq(): number {
    return this.#next
  }

  /** Every frame that the timeline now settles and that was not sampled yet, in seq order. */
  take(maxFrames = Number.POSITIVE_INFINITY): AvatarKeyframe[] {
    const frames: AvatarKeyframe[] = []
    const ended = this.timeline.endMs
    const settled = this.timeline.settledUntil()
    const last = ended === undefined ? Number.POSITIVE_INFINITY : frameCountFor(ended, this.fps)
    while (frames.length < maxFrames && this.#next < last) {
      const startMs = frameStartMs(this.#next, this.fps)
      const endMs = frameStartMs(this.#next + 1, this.fps)
      if (ended === undefined && endMs > settled) break
      frames.push(this.#frame(this.#next, startMs, endMs))
      this.#next++
    }
    return frames
  }

  #frame(seq: number, startMs: number, endMs: number): AvatarKeyframe {
    const { viseme, lengthMs } = this.#dominant(startMs, endMs)
    const weight =
      viseme === 'sil'
        ? 0
        : Math.round(Math.min(1, Math.max(MIN_SPOKEN_WEIGHT, lengthMs / FULL_SHAPE_MS)) * 100) / 100
    const middle = (startMs + endMs) / 2
    return {
      seq,
      startMs,
      endMs,
      viseme,
      weight,
      blink: this.#blinks.closureAt(middle),
      head: headPoseAt(middle, this.#phases, OPENING[viseme] * weight),
    }
  }

  /** The viseme covering most of [startMs, endMs), and its whole length. */
  #dominant(startMs: number, endMs: number): { viseme: Viseme; lengthMs: number } {
    let best: { viseme: Viseme; lengthMs: number; overlap: number } | undefined
    let at = startMs
    while (at < endMs) {
      const segment = this.timeline.segmentAt(at)
      if (segment === undefined) break
      const until = Math.min(endMs, segment.endMs)
      const overlap = until - at
      if (best === undefined || overlap > best.overlap)
        best = { viseme: segment.viseme, lengthMs: segment.endMs - segment.startMs, overlap }
      if (until <= at) break
      at = until
    }
    return best ?? { viseme: 'sil', lengthMs: 0 }
  }
}

/** Visemes for speech that came without timings (a Wyoming engine): a seeded, plausible babble. */
export function babbleTimeline(totalMs: number, seed: number): VisemeTimeline {
  const random = seededRandom(seed ^ 0x1b873593)
  const open: Viseme[] = ['aa', 'E', 'O', 'I', 'U']
  const closed: Viseme[] = ['PP', 'nn', 'DD', 'SS', 'kk']
  const visemes: Viseme[] = []
  const timingMs: number[] = []
  let at = 0
  let vowel = false
  while (at < totalMs) {
    visemes.push(
      vowel ? open[Math.floor(random() * open.length)]! : closed[Math.floor(random() * closed.length)]!,
    )
    timingMs.push(Math.round(at))
    at += vowel ? 110 + random() * 90 : 50 + random() * 40
    vowel = !vowel
  }
  const timeline = new VisemeTimeline()
  timeline.add(visemes, timingMs)
  timeline.end(totalMs)
  return timeline
}
