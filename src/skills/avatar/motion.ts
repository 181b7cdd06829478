/**
 * Blinks and small head motion, so the face is alive: a pure function of the seed and the time on
 * the audio clock (the same seed gives the same face, frame for frame).
 */

/** How long a blink takes, in milliseconds: the lids close, stay shut, and open again. */
export const DEFAULT_BLINK_MS = 160
/** Closing and opening each take this long; in between the eyes are shut (longer than a frame at 25 fps). */
const BLINK_EDGE_MS = 50
/** Shortest and longest gap between blinks, in milliseconds. */
export const DEFAULT_BLINK_GAP_MIN_MS = 2_200
export const DEFAULT_BLINK_GAP_MAX_MS = 5_600
/** Largest head turn, nod and tilt, in degrees. */
const HEAD_AMPLITUDE_DEG = { yaw: 4, pitch: 2.5, roll: 1.5 } as const
/** Periods of the head's sway, in milliseconds (incommensurate, so the motion does not loop soon). */
const HEAD_PERIOD_MS = { yaw: 4_700, pitch: 3_100, roll: 5_900 } as const

/** A small deterministic generator (mulberry32): 32-bit state, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state)
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Blink start times from 0 up to `untilMs`, drawn once per seed and extended on demand. */
export class BlinkSchedule {
  readonly #random: () => number
  readonly #starts: number[] = []
  #horizon = 0

  constructor(seed: number) {
    this.#random = seededRandom(seed ^ 0x5bd1e995)
  }

  /** Eyelid closure at `ms`: 0 open, 1 closed. */
  closureAt(ms: number): number {
    while (this.#horizon <= ms + DEFAULT_BLINK_MS) {
      const gap =
        DEFAULT_BLINK_GAP_MIN_MS + this.#random() * (DEFAULT_BLINK_GAP_MAX_MS - DEFAULT_BLINK_GAP_MIN_MS)
      this.#horizon += gap
      this.#starts.push(this.#horizon)
    }
    for (const start of this.#starts) {
      if (start > ms) break
      const into = ms - start
      if (into < BLINK_EDGE_MS) return round(into / BLINK_EDGE_MS)
      if (into < DEFAULT_BLINK_MS - BLINK_EDGE_MS) return 1
      if (into < DEFAULT_BLINK_MS) return round((DEFAULT_BLINK_MS - into) / BLINK_EDGE_MS)
    }
    return 0
  }
}

export interface HeadPose {
  yaw: number
  pitch: number
  roll: number
}

/** Phases of the head's sway for a seed. */
export function headPhases(seed: number): HeadPose {
  const random = seededRandom(seed ^ 0x27d4eb2f)
  return { yaw: random() * Math.PI * 2, pitch: random() * Math.PI * 2, roll: random() * Math.PI * 2 }
}

/** The head's pose at `ms`; `emphasis` (0..1, the mouth's opening) nods the head a little while speaking. */
export function headPoseAt(ms: number, phases: HeadPose, emphasis: number): HeadPose {
  const wave = (axis: keyof HeadPose) =>
    Math.sin((2 * Math.PI * ms) / HEAD_PERIOD_MS[axis] + phases[axis]) * HEAD_AMPLITUDE_DEG[axis]
  return {
    yaw: round(wave('yaw')),
    pitch: round(wave('pitch') - emphasis * 1.5),
    roll: round(wave('roll')),
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}
